"""`python -m modules.service --port 8765`: run the local Responses-API service in a terminal."""

import sys

from modules.service.app import main

sys.exit(main())
