"""Signed notes and log checkpoints (签名检查点): C2SP ``signed-note`` and ``tlog-checkpoint``, Ed25519.

The formats are those of the Go ecosystem's transparency logs (``golang.org/x/mod/sumdb/note``, the
Sigstore and Trillian checkpoints), so a third party can check our checkpoints with existing tools:

* A **note** is UTF-8 text that ends in a newline, a blank line, then one line per signature:
  ``— <key name> <base64(key hash ‖ signature)>``. The signature is over the text, final newline
  included, blank line excluded.
* A **key hash** is the first 4 bytes of ``SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)`` (0x01: Ed25519).
* A **verifier key** is ``<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ public key)>``; a signer key is
  ``PRIVATE+KEY+<name>+<key hash>+<base64(0x01 ‖ 32-byte seed)>``.
* A **checkpoint** is a note whose text is the log's origin, the tree size in decimal and the base64 root
  hash, one per line, then optional extension lines.

Depends on ``cryptography`` only (no platform code), for outside verifiers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # EM DASH, space
_NAME = re.compile(r"[^\s+]+")
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_hash(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _b64(data: str, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not base64") from exc


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise NoteError(f"a key name is non-empty and holds no space or '+': {name!r}")


@dataclass(frozen=True)
class Verifier:
    name: str
    hash: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<hash>+<key>")
        name, hash_hex, material = parts
        key = _ed25519_key_material(name, material, "verifier", "32 bytes")
        if not re.fullmatch(r"[0-9a-f]{8}", hash_hex) or key_hash(name, ALG_ED25519, key).hex() != hash_hex:
            raise NoteError("the verifier key's hash does not match its name and key")
        return cls(name, bytes.fromhex(hash_hex), Ed25519PublicKey.from_public_bytes(key))

    def encode(self) -> str:
        raw = self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"{self.name}+{self.hash.hex()}+{base64.b64encode(bytes([ALG_ED25519]) + raw).decode()}"


def _ed25519_key_material(name: str, material: str, role: str, size: str) -> bytes:
    """The 32 key bytes of an encoded key: type byte 0x01 (Ed25519), then the key; base64 (C2SP note)."""
    _check_name(name)
    raw = _b64(material, f"the {role} key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError(f"only Ed25519 {role} keys (type 0x01, {size}) are supported")
    return raw[1:]


@dataclass(frozen=True)
class Signer:
    name: str
    hash: bytes
    private: Ed25519PrivateKey

    @classmethod
    def parse(cls, skey: str) -> Signer:
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("a signer key is PRIVATE+KEY+<name>+<hash>+<key>")
        _, _, name, hash_hex, material = parts
        private = Ed25519PrivateKey.from_private_bytes(
            _ed25519_key_material(name, material, "signer", "32-byte seed")
        )
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        if key_hash(name, ALG_ED25519, public).hex() != hash_hex:
            raise NoteError("the signer key's hash does not match its name and key")
        return cls(name, bytes.fromhex(hash_hex), private)

    @classmethod
    def generate(cls, name: str) -> Signer:
        _check_name(name)
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(name, key_hash(name, ALG_ED25519, public), private)

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        """The signer of the Ed25519 key whose 32-byte private seed is ``seed`` (RFC 8032 §5.1.5)."""
        _check_name(name)
        if len(seed) != 32:
            raise NoteError(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(name, key_hash(name, ALG_ED25519, public), private)

    def encode(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        material = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.hash.hex()}+{material}"

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.hash, self.private.public_key())


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends in a newline")
    if "\n\n" in text:
        raise NoteError("a note's text holds no blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text holds no control character other than newline")


def sign(text: str, *signers: Signer) -> str:
    """The signed note: ``text``, a blank line and one signature line per signer."""
    _check_text(text)
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    message = text.encode()
    lines = [
        f"{SIGNATURE_PREFIX}{s.name} {base64.b64encode(s.hash + s.private.sign(message)).decode()}\n"
        for s in signers
    ]
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class Opened:
    text: str
    #: names of the trusted keys whose signature verified
    verified_by: tuple[str, ...]
    #: signature lines by keys not given (e.g. witnesses one does not know), left unchecked
    unknown: tuple[str, ...]


def open_note(note: str, *verifiers: Verifier) -> Opened:
    """Check a signed note: at least one signature of a given key verifies and none of them fails.
    Raises :class:`NoteError` with the reason otherwise."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is its text, a blank line and signature lines")
    text, block = note[: cut + 1], note[cut + 2 :]
    _check_text(text)
    by_key = {(v.name, v.hash): v for v in verifiers}
    verified: list[str] = []
    unknown: list[str] = []
    for line in block.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"not a signature line: {line[:40]!r}")
        name, _, sig64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        _check_name(name)
        sig = _b64(sig64, "a signature")
        if len(sig) < 5:
            raise NoteError("a signature is a 4-byte key hash and the signature bytes")
        key = by_key.get((name, sig[:4]))
        if key is None:
            unknown.append(name)
            continue
        try:
            key.public.verify(sig[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"the signature of {name} does not verify: the note was altered") from exc
        verified.append(name)
    if not verified:
        raise NoteError("no signature by a trusted key")
    return Opened(text, tuple(verified), tuple(unknown))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("a checkpoint's origin is one non-empty line")
        if self.size < 0 or len(self.root) != 32:
            raise NoteError("a checkpoint has a size >= 0 and a 32-byte root hash")
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        _check_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("a checkpoint has an origin, a tree size and a root hash")
        origin, size, root64, *extensions = lines
        if not origin:
            raise NoteError("a checkpoint's origin is not empty")
        if not _SIZE.fullmatch(size) or int(size) >= 1 << 64:
            raise NoteError(f"a checkpoint's tree size is a decimal number without leading zeros: {size!r}")
        root = _b64(root64, "the root hash")
        if len(root) != 32:
            raise NoteError("a checkpoint's root hash has 32 bytes")
        return cls(origin, int(size), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    return sign(checkpoint.text(), *signers)


def open_checkpoint(note: str, origin: str, *verifiers: Verifier) -> Checkpoint:
    """The checkpoint of a signed note by one of ``verifiers`` for the log ``origin``."""
    checkpoint = Checkpoint.parse(open_note(note, *verifiers).text)
    if checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
