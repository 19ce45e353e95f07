"""`python -m modules.router`: the router's command line (train, route queries). The code lives in modules/routing/."""

from modules.routing.router import main

if __name__ == "__main__":
    main()
