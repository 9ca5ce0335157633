"""The secure page's tokens: enough randomness, a shape that tells a cut or changed link, hashes."""

from __future__ import annotations

import hashlib
import math

from bot.secure_page.tokens import SECRET_BYTES, digest, new_link_token, new_secret, parse_link_token, same


def test_a_link_token_has_a_public_id_and_a_secret_of_at_least_128_bits() -> None:
    tokens = {new_link_token().value for _ in range(200)}
    assert len(tokens) == 200
    token = new_link_token()
    link_id, secret = token.value.split(".")
    assert link_id == token.link_id and len(link_id) == 16
    assert SECRET_BYTES * 8 >= 128 and len(secret) * math.log2(64) >= 128
    assert token.hash == hashlib.sha256(token.value.encode()).hexdigest()
    assert token.value not in repr(token) and secret not in str(token)


def test_a_token_that_was_cut_padded_or_changed_in_shape_is_none() -> None:
    token = new_link_token().value
    assert parse_link_token(token) is not None
    for bad in (token[:-1], token + "x", token.replace(".", "-"), token.upper(), "", "../etc", f"{token}/x"):
        assert parse_link_token(bad) is None, bad


def test_values_are_compared_by_their_hash() -> None:
    secret = new_secret()
    assert len(secret) >= 22 and same(secret, digest(secret))
    assert (
        not same(secret + "x", digest(secret)) and not same(None, digest(secret)) and not same(secret, None)
    )
