"""What the classroom service keeps: the packs offered to Hub groups, and each learner's latest report.

One folder (``SANDBOX_CLASSROOM_DATA``): ``classroom.db`` (SQLite, WAL) holds the offers and the
reports; ``offers/<offer id>.zip`` holds each offered pack's zip, exactly as the instructor uploaded
it once the sandbox's own archive reader and pack validator accepted it (``check_pack_zip``).

An offer is one pack for one Hub group; its id is derived from the two, so publishing a new version
of a pack for the same group replaces the old offer under the same id. A report is kept per
(Hub user, pack id): the newest by ``generated_at`` wins (a tie goes to the one received last).
The name in a kept report is always the Hub user's, never the one the report carried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import NotFound, PackError, ReportError
from sandbox.files import write_atomic
from sandbox.packs.archive import MAX_BYTES, Limits, pack_folder, shown
from sandbox.packs.format import Pack, parse_version
from sandbox.packs.reader import load_pack

MAX_GROUP = 255  # JupyterHub's group names are at most 255 characters
MAX_PACKS_PER_LEARNER = 200  # distinct packs one Hub user may report on
MAX_ZIP_BYTES = MAX_BYTES + 1024 * 1024  # a zip never holds more than the pack it unpacks to, plus headers
OFFER_ID_RE = re.compile(r"[0-9a-f]{24}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS offers (
    id TEXT PRIMARY KEY, pack_id TEXT NOT NULL, group_name TEXT NOT NULL, title TEXT NOT NULL,
    version TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, published_by TEXT NOT NULL,
    published_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    hub_user TEXT NOT NULL, pack_id TEXT NOT NULL, pack_title TEXT NOT NULL, pack_version TEXT NOT NULL,
    generated_at TEXT NOT NULL, received_at TEXT NOT NULL, groups TEXT NOT NULL, content TEXT NOT NULL,
    PRIMARY KEY (hub_user, pack_id));
"""


@dataclass(frozen=True)
class Offer:
    """One pack offered to one Hub group. ``size`` is the zip's size in bytes."""

    id: str
    pack_id: str
    group: str
    title: str
    version: str
    size: int
    sha256: str
    published_by: str
    published_at: str

    def public(self) -> dict:
        """The offer as the learners' API shows it."""
        return {"id": self.id, "pack_id": self.pack_id, "title": self.title, "version": self.version,
                "size": self.size, "sha256": self.sha256, "group": self.group, "published_at": self.published_at}


def offer_id(pack_id: str, group: str) -> str:
    """The stable id of the offer of ``pack_id`` to ``group``: 24 hex digits."""
    return hashlib.sha256(f"{pack_id}\0{group}".encode("utf-8", "surrogatepass")).hexdigest()[:24]


def group_problem(group: str) -> str | None:
    """Why ``group`` cannot name a Hub group, as a sentence; None when it can."""
    if not group.strip():
        return "Name the Hub group of learners the pack is for."
    if group != group.strip() or len(group) > MAX_GROUP or any(ord(ch) < 32 or ord(ch) == 127 for ch in group):
        return (f"'{shown(group, 60)}' cannot be a Hub group name: use at most {MAX_GROUP} characters, without "
                "control characters or spaces at either end.")
    return None


def check_pack_zip(path: Path, shown_name: str) -> Pack:
    """The pack in the zip at ``path``, read with the sandbox's installer rules; PackError in one sentence.

    The zip is unpacked into a temporary folder by ``sandbox.packs.archive`` (names, links, sizes,
    zip bombs) and the pack validated by ``sandbox.packs.reader.load_pack``, as installing it would.
    """
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise PackError(f"{shown_name} is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB, too large for a pack.")
    try:
        with pack_folder(path, Limits()) as root:
            return load_pack(root)
    except PackError as exc:
        problems = exc.problems
        if not problems:
            raise PackError(f"{shown_name} was not published: {_clause(str(exc))}.") from None
        more = f" (and {len(problems) - 1} more; `sandbox pack check` lists them all)" if len(problems) > 1 else ""
        raise PackError(f"{shown_name} was not published: {_clause(str(problems[0]))}{more}.", problems) from None


def _clause(text: str) -> str:
    """The installer's sentence as a clause of this one: one line, without its own ending."""
    return " ".join(text.split()).removesuffix(".").removesuffix("; the pack was not installed")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class ClassroomStore:
    """The service's data folder. Thread-safe: one connection, one lock (the service is small)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.offers_dir = self.folder / "offers"
        self.offers_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.folder / "classroom.db"), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, *args) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- offers ---------------------------------------------------------------------------------

    def publish(self, zip_path: Path, shown_name: str, group: str, by: str) -> tuple[Offer, Offer | None]:
        """Check the zip and offer it to ``group``: (the offer, the offer it replaced or None).

        PackError, in one sentence, for a zip the sandbox would not install or a group name the Hub
        cannot have; nothing is kept then.
        """
        problem = group_problem(group)
        if problem:
            raise PackError(problem)
        pack = check_pack_zip(zip_path, shown_name)
        data = zip_path.read_bytes()
        offer = Offer(id=offer_id(pack.id, group), pack_id=pack.id, group=group, title=pack.title,
                      version=pack.version, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      published_by=by, published_at=_now())
        previous = self.offer(offer.id)
        write_atomic(self.offers_dir / f"{offer.id}.zip", data)
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO offers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (offer.id, offer.pack_id, offer.group, offer.title, offer.version, offer.size, offer.sha256,
                        offer.published_by, offer.published_at))
        return offer, previous

    def withdraw(self, offer_id_: str) -> Offer:
        """Stop offering ``offer_id_`` (NotFound when it is not offered)."""
        offer = self.offer(offer_id_)
        if offer is None:
            raise NotFound("That pack is not offered (any more).")
        with self._transaction() as db:
            db.execute("DELETE FROM offers WHERE id = ?", (offer.id,))
        with contextlib.suppress(OSError):
            os.unlink(self.offers_dir / f"{offer.id}.zip")
        return offer

    def offer(self, offer_id_: str) -> Offer | None:
        if not OFFER_ID_RE.fullmatch(offer_id_ or ""):
            return None
        rows = self._rows("SELECT * FROM offers WHERE id = ?", offer_id_)
        return Offer(*rows[0]) if rows else None

    def offers(self) -> list[Offer]:
        """Every offer, by pack title, then group."""
        return [Offer(*row) for row in self._rows("SELECT * FROM offers ORDER BY lower(title), pack_id, group_name")]

    def offers_for(self, groups: list[str]) -> list[Offer]:
        """The offers to any of ``groups``, one per pack: the highest version (then the newest) wins."""
        best: dict[str, Offer] = {}
        for offer in self.offers():
            if offer.group not in groups:
                continue
            held = best.get(offer.pack_id)
            if held is None or (_version_key(offer.version), offer.published_at) > \
                    (_version_key(held.version), held.published_at):
                best[offer.pack_id] = offer
        return sorted(best.values(), key=lambda o: (o.title.lower(), o.pack_id))

    def offer_zip(self, offer: Offer) -> bytes:
        """The offered zip's bytes (NotFound when it was withdrawn or replaced meanwhile)."""
        try:
            return (self.offers_dir / f"{offer.id}.zip").read_bytes()
        except FileNotFoundError:
            raise NotFound("That pack is no longer offered; reload the Packs page.") from None

    # -- reports --------------------------------------------------------------------------------

    def keep_report(self, hub_user: str, groups: list[str], report: dict) -> bool:
        """Keep ``report`` (already parsed and checked) as ``hub_user``'s latest for its pack.

        False when a newer report for that pack is already kept; ReportError when the report covers
        no pack, or the learner already reports on too many packs.
        """
        pack = report.get("pack")
        if not pack:
            raise ReportError("This report covers no lesson pack, so there is nothing to grade.")
        with self._transaction() as db:
            held = db.execute("SELECT generated_at FROM reports WHERE hub_user = ? AND pack_id = ?",
                              (hub_user, pack["id"])).fetchone()
            if held is not None and held[0] > report["generated_at"]:
                return False
            if held is None:
                (count,) = db.execute("SELECT count(*) FROM reports WHERE hub_user = ?", (hub_user,)).fetchone()
                if count >= MAX_PACKS_PER_LEARNER:
                    raise ReportError(f"Reports on {MAX_PACKS_PER_LEARNER} packs are kept for you already; "
                                      "ask your instructor to clear old ones.")
            db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (hub_user, pack["id"], pack["title"], pack["version"], report["generated_at"], _now(),
                        json.dumps(sorted(groups)), json.dumps(report)))
        return True

    def reported_packs(self) -> list[dict]:
        """Each pack with kept reports: id, title (the newest report's), learners, last received."""
        packs: dict[str, dict] = {}
        for pack_id, title, received in self._rows(
                "SELECT pack_id, pack_title, received_at FROM reports ORDER BY generated_at, received_at"):
            entry = packs.setdefault(pack_id, {"id": pack_id, "title": title, "learners": 0, "last": received})
            entry["title"], entry["learners"], entry["last"] = title, entry["learners"] + 1, max(entry["last"], received)
        return sorted(packs.values(), key=lambda p: (p["title"].lower(), p["id"]))

    def reports_for(self, pack_id: str, group: str | None = None) -> list[dict]:
        """The kept reports on ``pack_id`` (of learners who were in ``group`` when they reported, if given),
        each with ``learner.name`` set to its Hub user and ``groups`` beside it."""
        found = []
        for hub_user, groups, content in self._rows(
                "SELECT hub_user, groups, content FROM reports WHERE pack_id = ? ORDER BY hub_user", pack_id):
            groups = json.loads(groups)
            if group is not None and group not in groups:
                continue
            report = json.loads(content)
            report["learner"] = {"name": hub_user}
            found.append({"report": report, "groups": groups})
        return found

    def groups_reporting(self, pack_id: str) -> list[str]:
        """The Hub groups the learners reporting on ``pack_id`` were in."""
        names: set[str] = set()
        for (groups,) in self._rows("SELECT groups FROM reports WHERE pack_id = ?", pack_id):
            names.update(json.loads(groups))
        return sorted(names)


def _version_key(version: str) -> tuple:
    try:
        return (1, parse_version(version))
    except ValueError:
        return (0, ())
