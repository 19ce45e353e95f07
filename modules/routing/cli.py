"""`python -m modules.router`: measure the local model, retrain the router, route queries.

python -m modules.router profile --sample 80  # grade the configured local tier -> data/capability_profile.json
python -m modules.router profile --tools-only # grade only the tool set (data/tool_queries.csv) into the profile
python -m modules.router train                # graded answers -> modules/routing/router_model.json
python -m modules.router train --mode cost    # ... with "cost" as the model's default operating point
python -m modules.router route "Plan my wedding" "hi" --mode quality
python -m modules.router cascade              # data/cascade_features.csv -> modules/routing/cascade_model.json
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path


def _profile(args: argparse.Namespace) -> None:
    from modules.routing.profile import build_profile, load_profile, regrade_profile, write_profile
    from modules.tiers import start_tiers

    if args.tools_only:
        _profile_tools(args)
        return
    if args.regrade:
        path, chart = write_profile(regrade_profile(load_profile(args.out)), args.out)
        print(f"re-graded the stored answers of {path} by the current references (no model asked); wrote {chart}")
        return

    categories = [c for c in (args.categories or "").split(",") if c]
    earlier = load_profile(args.out) if categories else None
    with start_tiers() as tiers:
        print(f"measuring local tier {tiers.settings.local.model} ({tiers.settings.local.backend}) ...")
        started = time.perf_counter()
        profile = build_profile(
            tiers, max_tokens=args.max_tokens, update=earlier, categories=categories, sample=args.sample
        )
        profile["tools"] = _tool_section(tiers, args)
        seconds = time.perf_counter() - started
    path, chart = write_profile(profile, args.out)
    for category, entry in profile["categories"].items():
        print(f"  {category:20} n={entry['n']:3}  local {entry['local']:.0%}")
    print(f"measured {profile['graded_queries']['rows']} graded queries in {seconds:.0f} s")
    print(f"wrote {path} and {chart}; now retrain the router: python -m modules.router train --profile {path}")


CLASS_TOOL_SAMPLE = 20  # tool queries asked by `profile --sample N` (5 per kind) unless --tool-sample says otherwise


def _tool_section(tiers, args: argparse.Namespace) -> dict:
    """The graded tool set asked of the measured tiers (modules/routing/tool_grading.py)."""
    import asyncio

    from modules.routing.tool_grading import tool_profile

    sample = args.tool_sample
    if sample is None and args.sample is not None:
        sample = CLASS_TOOL_SAMPLE  # a sampled profile fits class time: so does its tool set
    return asyncio.run(tool_profile(tiers, sample=sample))


def _profile_tools(args: argparse.Namespace) -> None:
    """Grade only the tool set and store it in the --out profile, keeping its graded answers."""
    from modules.routing.profile import load_profile, write_profile
    from modules.tiers import start_tiers

    profile = load_profile(args.out)
    with start_tiers() as tiers:
        print(f"grading the tool set on {tiers.settings.local.model} ({tiers.settings.local.backend}) ...")
        profile["tools"] = _tool_section(tiers, args)
    path, _ = write_profile(profile, args.out)
    print(f"wrote the tool accuracy into {path}")


def _train(args: argparse.Namespace) -> None:
    from modules.routing.curve import point_at
    from modules.routing.router import HybridRouter
    from modules.routing.strategies import LearnedStrategy
    from modules.routing.training import train_and_save

    target = _target(args)
    path, policy = train_and_save(profile_path=args.profile, model_path=args.out, target=target)
    router = HybridRouter(LearnedStrategy.load(path), profile=args.profile)
    point = point_at(router.curve, router.threshold)
    print(f"trained on the graded answers of {policy.local_model}; wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    print(
        f"default operating point: {router.describe_operating_point()}: cloud share {point['cloud_share']:.0%}, "
        f"graded quality {point['quality']:.1%}, USD {point['usd_per_1k']:.3f} per 1,000 queries "
        "(cross-fitted; an unmeasured cloud counts as correct)"
    )


def _route(args: argparse.Namespace) -> None:
    from modules.routing.router import HybridRouter
    from modules.routing.strategies import LearnedStrategy

    strategy = LearnedStrategy.load(args.model) if args.model else None
    target = _target(args)
    if isinstance(target, str):
        router = HybridRouter(strategy, mode=target, profile=args.profile)
    else:
        router = HybridRouter(strategy, target=target, profile=args.profile)
    for q in args.query:
        d = router.route(q)
        print(f"{d.target:5}  P(cloud)={d.cloud_probability:.2f}  {q}\n       " + "; ".join(d.reasons))


def _cascade(args: argparse.Namespace) -> None:
    from modules.routing.cascade import CascadeStrategy, fit_and_save_cascade, load_cascade_features
    from modules.routing.evaluation import apgr, cpt, pgr_curve

    path = fit_and_save_cascade(args.out)
    cascade = CascadeStrategy.load(path)
    frame = load_cascade_features()
    x, y = pgr_curve([cascade.out_of_fold[q] for q in frame["query"]], frame["correct"], [1] * len(frame))
    print(f"wrote {path}: weights {cascade.weights}")
    print(
        f"cross-fitted on {len(frame)} graded answers: APGR {apgr(x, y):.3f}, CPT(50%) {cpt(x, y, 0.5):.3f}, "
        f"CPT(80%) {cpt(x, y, 0.8):.3f} (an unmeasured cloud counts as correct)"
    )


def _target(args: argparse.Namespace):
    """--mode NAME or --target cloud-budget=S / quality-floor=P (None: the model's default)."""
    from modules.routing.errors import RouterTargetError
    from modules.routing.modes import parse_target, target_for

    if args.mode and args.target:
        raise RouterTargetError("give either --mode or --target, not both")
    if args.mode:
        target_for(args.mode)  # names the modes when it is not one
        return args.mode
    return parse_target(args.target) if args.target else None


def _add_operating_point(parser: argparse.ArgumentParser) -> None:
    from modules.routing.modes import MODES

    parser.add_argument("--mode", choices=list(MODES), default=None, help="a named operating point")
    parser.add_argument(
        "--target",
        default=None,
        help="a custom operating point: cloud-budget=0.3 (share to the cloud) or quality-floor=5 (points below)",
    )


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m modules.router`: measure the local model (profile), train the router (train), route a query (route).

    Args:
        argv: The command line after the program name; `sys.argv[1:]` when None.
    """
    from modules.routing.cascade import CASCADE_MODEL_PATH
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
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        help="ask a stratified, seeded subset of about N graded queries (e.g. 80 fits class time)",
    )
    p.add_argument(
        "--regrade",
        action="store_true",
        help="grade the --out profile's stored answers again by the current references, without asking the model",
    )
    p.add_argument(
        "--tools-only",
        action="store_true",
        help="grade only the tool set (data/tool_queries.csv) and store it in the --out profile",
    )
    p.add_argument(
        "--tool-sample",
        type=int,
        default=None,
        help=(
            "ask a stratified, seeded subset of about N tool queries "
            f"(default: all 100; {CLASS_TOOL_SAMPLE} with --sample)"
        ),
    )
    p.set_defaults(run=_profile)
    t = commands.add_parser("train", help="retrain the router on a profile's graded answers")
    t.add_argument("--profile", type=Path, default=PROFILE_JSON, help="capability profile to derive the policy from")
    t.add_argument("--out", type=Path, default=MODEL_PATH, help=f"model file to write (default {MODEL_PATH.name})")
    _add_operating_point(t)
    t.set_defaults(run=_train)
    r = commands.add_parser("route", help="route queries with the shipped router and print the decisions")
    r.add_argument("query", nargs="+")
    r.add_argument(
        "--model", type=Path, default=None, help="a model file from `train --out` instead of the shipped one"
    )
    r.add_argument(
        "--profile", type=Path, default=None, help="the profile the --model was trained on (for its operating curve)"
    )
    _add_operating_point(r)
    r.set_defaults(run=_route)
    c = commands.add_parser(
        "cascade", help="fit the cascade's confidence model on data/cascade_features.csv (logprobs of local answers)"
    )
    c.add_argument("--out", type=Path, default=CASCADE_MODEL_PATH, help="weights file to write")
    c.set_defaults(run=_cascade)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return
    try:
        args.run(args)
    except (ValueError, KeyError, FileNotFoundError) as error:  # typed errors that already name the fix
        parser.exit(2, f"{parser.prog} {args.command}: {error}\n")
