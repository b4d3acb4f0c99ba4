"""Signed notes and checkpoints against the Go reference (``golang.org/x/mod/sumdb/note``, BSD-3-Clause).

The key pair, text and signed note below are the package documentation's example ("PeterNeumann"),
published with the Go module; Ed25519 (RFC 8032) is deterministic, so our signer must reproduce the
published note byte for byte — then any Go-ecosystem verifier or witness accepts our checkpoints.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from parkcarbon.core import note

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
    "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_go_example_is_reproduced_byte_for_byte() -> None:
    signer = note.Signer.parse(GO_SKEY)
    assert note.sign(GO_TEXT, signer) == GO_NOTE
    assert signer.verifier().encode() == GO_VKEY
    assert signer.encode() == GO_SKEY


def test_the_go_example_opens() -> None:
    opened = note.open_note(GO_NOTE, note.Verifier.parse(GO_VKEY))
    assert opened.text == GO_TEXT and opened.verified_by == ("PeterNeumann",)


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda n: n.replace("cryptography", "cryptographY"), "altered"),
        (lambda n: n.replace("\n\n", "\n"), "blank line"),
        (lambda n: n[:-2] + "A\n", "altered|base64"),
        (lambda n: n.replace("PeterNeumann", "PeterNewmann"), "trusted"),
    ],
)
def test_a_tampered_note_fails_with_its_reason(mangle: object, reason: str) -> None:
    with pytest.raises(note.NoteError, match=reason):
        note.open_note(mangle(GO_NOTE), note.Verifier.parse(GO_VKEY))  # type: ignore[operator]


def test_mangled_verifier_keys_are_refused() -> None:
    for bad in (
        GO_VKEY[:-1],
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        "Peter Neumann+c74f20a3+" + GO_VKEY.split("+", 2)[2],
    ):
        with pytest.raises(note.NoteError):
            note.Verifier.parse(bad)


def test_an_unknown_cosigner_is_kept_unchecked_and_a_second_key_verifies() -> None:
    log = note.Signer.parse(GO_SKEY)
    witness = note.Signer.generate("witness.example")
    signed = note.sign(GO_TEXT, log, witness)
    assert note.open_note(signed, log.verifier()).unknown == ("witness.example",)
    assert note.open_note(signed, log.verifier(), witness.verifier()).verified_by == (
        "PeterNeumann",
        "witness.example",
    )


def test_checkpoint_round_trip_and_refusals() -> None:
    # the body of the C2SP tlog-checkpoint specification's example
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = note.Checkpoint.parse(body)
    assert (cp.origin, cp.size, base64.b64encode(cp.root).decode()) == (
        "example.com/behind-the-sofa", 20852163, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
    )  # fmt: skip
    assert cp.text() == body
    signer = note.Signer.generate("example.com/behind-the-sofa")
    signed = note.sign_checkpoint(cp, signer)
    assert note.open_checkpoint(signed, "example.com/behind-the-sofa", signer.verifier()) == cp
    with pytest.raises(note.NoteError, match="not 'other"):
        note.open_checkpoint(signed, "other.example/log", signer.verifier())
    for bad in (
        body.replace("20852163", "020852163"),
        body.replace("20852163", "-1"),
        body[:-1],
        "origin\n1\n",
    ):
        with pytest.raises(note.NoteError):
            note.Checkpoint.parse(bad)


def test_signer_from_seed_is_the_rfc8032_key() -> None:
    """RFC 8032 §7.1, TEST 1 (published vector): the secret key (seed), its public key and the empty
    message's signature."""
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    signature = (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    signer = note.Signer.from_seed("rfc8032.test", seed)
    raw = signer.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert raw.hex() == public
    assert signer.private.sign(b"").hex() == signature
    assert note.Signer.parse(signer.encode()).verifier().encode() == signer.verifier().encode()
    with pytest.raises(note.NoteError, match="32 bytes"):
        note.Signer.from_seed("rfc8032.test", seed[:31])
