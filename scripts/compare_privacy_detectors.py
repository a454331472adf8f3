"""Compare the personal-data detectors on the labelled corpus of titles.

    python scripts/compare_privacy_detectors.py [--before REV] [--markdown]

Scores, per kind, found / missed / false alarms of:
- "voor": ``validation/privacy.py`` as it was at ``--before`` (git; default the commit
  before the detectors moved to python-stdnum and phonenumbers), the hand-written
  elfproef, mod-97 and phone-number matching;
- "na": ``validation/privacy.py`` as it is now;
- the bare library calls, without the project's candidate patterns and filters, to show
  what those add: ``PhoneNumberMatcher`` (region NL) at leniency VALID and POSSIBLE, and
  ``stdnum.iban`` with its bank registry check (``check_country=True``).
The figures go into docs/privacy-detectors.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))

from tests.privacy_corpus import read_corpus, score  # noqa: E402
from wijkopvolging.validation import privacy  # noqa: E402

BEFORE = "91e08cc"  # main before issue 16: the hand-written detectors
MODULE = "plugins/wijkopvolging/validation/privacy.py"


def module_at(revision: str):
    """``privacy.py`` as it was at ``revision``, imported under another name."""
    source = subprocess.run(["git", "show", f"{revision}:{MODULE}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "privacy_before.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("privacy_before", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def kinds_of(module):
    return lambda text: {hit.kind for hit in module.find_personal_data(text)}


def bare_phone_matcher(leniency_name: str):
    import phonenumbers

    leniency = getattr(phonenumbers.Leniency, leniency_name)
    return lambda text: ({privacy.PHONE}
                         if any(phonenumbers.PhoneNumberMatcher(text, "NL", leniency=leniency))
                         else set())


def bare_iban_with_bank_check(text: str) -> set[str]:
    from stdnum import iban

    hits = [hit for hit in privacy.find_personal_data(text) if hit.kind == privacy.IBAN]
    return {privacy.IBAN} if any(
        iban.is_valid(text[hit.start:hit.end], check_country=True) for hit in hits) else set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the old detectors")
    parser.add_argument("--markdown", action="store_true", help="tables for the docs")
    parser.add_argument("--quiet", action="store_true", help="no lists of titles")
    args = parser.parse_args()

    titles = read_corpus()
    kinds = privacy.KINDS
    holding = {kind: sum(kind in t.kinds for t in titles) for kind in kinds}
    print(f"Corpus: {len(titles)} titels, {sum(bool(t.kinds) for t in titles)} met "
          f"persoonsgegevens ({', '.join(f'{k}: {n}' for k, n in holding.items())}), "
          f"{sum(not t.kinds for t in titles)} zonder (look-alikes).\n")
    before = score(kinds_of(module_at(args.before)), titles, kinds)
    after = score(kinds_of(privacy), titles, kinds)
    rows = [(kind, before[kind], after[kind]) for kind in (*kinds, "geblokkeerd")]
    if args.markdown:
        print("| soort | voor: gevonden | gemist | vals alarm | na: gevonden | gemist "
              "| vals alarm |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, b, a in rows:
            print(f"| {kind} | {len(b.found)} | {len(b.missed)} | {len(b.false_alarms)} "
                  f"| {len(a.found)} | {len(a.missed)} | {len(a.false_alarms)} |")
    else:
        print(f"{'soort':26} {'voor (gev/gem/vals)':>20} {'na (gev/gem/vals)':>20}")
        for kind, b, a in rows:
            print(f"{kind:26} {_triple(b):>20} {_triple(a):>20}")

    print("\nDe kale bibliotheekaanroepen (alleen hun eigen soort):")
    bare = {
        "PhoneNumberMatcher VALID": (privacy.PHONE, bare_phone_matcher("VALID")),
        "PhoneNumberMatcher POSSIBLE": (privacy.PHONE, bare_phone_matcher("POSSIBLE")),
        "stdnum.iban met bankcontrole": (privacy.IBAN, bare_iban_with_bank_check),
    }
    for name, (kind, detector) in bare.items():
        result = score(detector, titles, [kind])[kind]
        print(f"  {name:30} {kind:15} {_triple(result)}")
        if not args.quiet:
            _list(result)

    if not args.quiet:
        for label, scores in (("voor", before), ("na", after)):
            print(f"\n--- {label}: gemist en vals alarm")
            for kind in kinds:
                if scores[kind].missed or scores[kind].false_alarms:
                    print(f"  {kind}:")
                    _list(scores[kind])


def _triple(result) -> str:
    return f"{len(result.found)}/{len(result.missed)}/{len(result.false_alarms)}"


def _list(result) -> None:
    for text in result.missed:
        print(f"      gemist:     {text}")
    for text in result.false_alarms:
        print(f"      vals alarm: {text}")


if __name__ == "__main__":
    main()
