"""`python -m modules.router`: measure the local model, retrain the router, route queries.

python -m modules.router profile              # grade the configured local tier -> data/capability_profile.json
python -m modules.router train                # labels from the profile's policy -> modules/routing/router_model.json
python -m modules.router route "Plan my wedding" "hi"
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def _profile(args: argparse.Namespace) -> None:
    from modules.routing.profile import build_profile, load_profile, write_profile
    from modules.tiers import start_tiers

    categories = [c for c in (args.categories or "").split(",") if c]
    earlier = load_profile(args.out) if categories else None
    with start_tiers() as tiers:
        print(f"measuring local tier {tiers.settings.local.model} ({tiers.settings.local.backend}) ...")
        profile = build_profile(tiers, max_tokens=args.max_tokens, update=earlier, categories=categories)
    path, chart = write_profile(profile, args.out)
    for category, entry in profile["categories"].items():
        print(f"  {category:20} n={entry['n']:3}  local {entry['local']:.0%}")
    print(f"wrote {path} and {chart}")


def _train(args: argparse.Namespace) -> None:
    from modules.routing.training import train_and_save

    path, policy = train_and_save(profile_path=args.profile, model_path=args.out)
    local = ", ".join(policy.local_categories) or "none"
    print(f"policy (bar {policy.bar:.0%} for {policy.local_model}): local = {local}")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def _route(args: argparse.Namespace) -> None:
    from modules.routing.router import HybridRouter
    from modules.routing.strategies import LearnedStrategy

    router = HybridRouter(LearnedStrategy.load(args.model)) if args.model else HybridRouter()
    for q in args.query:
        d = router.route(q)
        print(f"{d.target:5}  P(cloud)={d.cloud_probability:.2f}  {q}\n       " + "; ".join(d.reasons))


def main(argv: Sequence[str] | None = None) -> None:
    from modules.routing.profile import MAX_TOKENS, PROFILE_JSON
    from modules.routing.training import MODEL_PATH

    parser = argparse.ArgumentParser(prog="python -m modules.router", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command")
    p = commands.add_parser("profile", help="run the configured tiers over data/graded_queries.csv and grade them")
    p.add_argument(
        "--out", type=Path, default=PROFILE_JSON, help=f"profile JSON to write (default {PROFILE_JSON.name})"
    )
    p.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="answer length limit per query")
    p.add_argument(
        "--categories",
        default=None,
        help="comma-separated: re-measure only these categories and keep the other answers of the --out profile",
    )
    p.set_defaults(run=_profile)
    t = commands.add_parser("train", help="derive the policy from a profile, label the queries, retrain the router")
    t.add_argument("--profile", type=Path, default=PROFILE_JSON, help="capability profile to derive the policy from")
    t.add_argument("--out", type=Path, default=MODEL_PATH, help=f"model file to write (default {MODEL_PATH.name})")
    t.set_defaults(run=_train)
    r = commands.add_parser("route", help="route queries with the shipped router and print the decisions")
    r.add_argument("query", nargs="+")
    r.add_argument(
        "--model", type=Path, default=None, help="a model file from `train --out` instead of the shipped one"
    )
    r.set_defaults(run=_route)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return
    try:
        args.run(args)
    except (ValueError, KeyError, FileNotFoundError) as error:  # typed errors that already name the fix
        parser.exit(2, f"{parser.prog} {args.command}: {error}\n")
