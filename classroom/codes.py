"""Class codes a student types, and the teacher's secret.

A class code is 6 symbols of Crockford's base32 (digits and capitals without I, L, O, U, which read like 1, 1,
0 and V): 6 x 5 = 30 bits from :mod:`secrets`, shown in two groups (``K7M-3QX``). Typing is forgiving: case,
spaces and dashes do not matter, and O, I, L are read as 0, 1, 1 as Crockford specifies.

The teacher secret is 24 random bytes (192 bits) in URL-safe base64. Only its SHA-256 is stored; a presented
secret is hashed and compared in constant time (:func:`hmac.compare_digest`). A fast hash is enough here: the
secret is random, not a password a person chose, so there is nothing to guess from a dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_LENGTH = 6
CODE_BITS = CODE_LENGTH * 5
SECRET_BYTES = 24
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_class_code() -> str:
    """A fresh code in its canonical form (``K7M3QX``; :func:`display` adds the dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(typed: str) -> str | None:
    """The canonical code a student meant, or None when ``typed`` cannot be a code."""
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -_\t").translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display(code: str) -> str:
    """``K7M3QX`` as it is shown and read aloud: ``K7M-3QX``."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def new_teacher_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash``, compared in constant time."""
    if not isinstance(secret, str) or len(secret) > 200:
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


# A student of a class is a random token their links carry (``me=``): 12 bytes, 16 URL-safe symbols. It names no
# one; it only ties one student's answers, variants and tries together across reloads, tabs and replicas.
STUDENT_TOKEN_BYTES = 12
_TOKEN_SYMBOLS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_student_token() -> str:
    return secrets.token_urlsafe(STUDENT_TOKEN_BYTES)


def is_student_token(text) -> bool:
    """Whether ``text`` has a student token's form (what a link carries is checked before any look-up)."""
    return isinstance(text, str) and len(text) == STUDENT_TOKEN_BYTES * 4 // 3 and set(text) <= _TOKEN_SYMBOLS


def student_variant_seed(token: str, exercise_id: str) -> int:
    """The variant a student of a class sees first for an exercise: fixed by their token, so it is the same after a
    reload or on another replica without being stored; a variant they choose later is stored (``variants``)."""
    digest = hashlib.sha256(f"{token}/{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % VARIANT_SEEDS


# A variant of an exercise is its seed, 20 bits, shown as four base32 symbols (``4KQ7``) that a teacher can type.
VARIANT_LENGTH = 4
VARIANT_SEEDS = 32**VARIANT_LENGTH


def new_variant_seed() -> int:
    return secrets.randbelow(VARIANT_SEEDS)


def variant_code(seed: int) -> str:
    symbols = []
    for _ in range(VARIANT_LENGTH):
        seed, digit = divmod(seed, 32)
        symbols.append(ALPHABET[digit])
    return "".join(reversed(symbols))


def variant_seed(typed: str) -> int | None:
    """The seed a typed variant code names, or None."""
    if not isinstance(typed, str) or len(typed) > 20:
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -_\t").translate(_READ_AS)
    if len(code) != VARIANT_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    seed = 0
    for ch in code:
        seed = seed * 32 + ALPHABET.index(ch)
    return seed
