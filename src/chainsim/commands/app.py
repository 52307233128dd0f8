"""``chainsim app [--workers N] [--no-prepare] [-- STREAMLIT OPTIONS]``: the planners' app,
with its status quo computed and its worker processes started before it listens
(``chainsim.ui.serve``)."""

from __future__ import annotations

import argparse
import sys

from .common import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="start the planners' app (Streamlit), ready before it listens: the status quo "
                                   "computed, worker processes started")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes for the app's ensembles (default: one per core; 1: in the server itself)")
    p.add_argument("--no-prepare", action="store_true",
                   help="listen at once and compute on the first page view, as `streamlit run app.py` does")
    p.add_argument("streamlit_args", nargs=argparse.REMAINDER, metavar="-- STREAMLIT OPTIONS",
                   help="options for `streamlit run`, e.g. -- --server.port 8502 --server.headless true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..ui import serve

    extra = list(args.streamlit_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if not args.no_prepare:
        done = serve.prepare(args.workers, say=lambda line: print(line, file=sys.stderr, flush=True))
        print(f"chainsim app: ready in {done.seconds:.1f} s ({done.workers} worker processes); starting Streamlit",
              file=sys.stderr, flush=True)
    return serve.serve(extra)
