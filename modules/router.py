"""`python -m modules.router`: the router's command line (profile, train, route). The code lives in modules/routing/."""

from modules.routing.cli import main

if __name__ == "__main__":
    main()
