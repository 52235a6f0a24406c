"""WeChat callback signatures and message encryption, written from the protocol text.

This is deliberately independent of wechatpy (which the server uses) so that the
two implementations cross-check each other. Only `cryptography` provides AES.

Protocol summary:
- signature = sha1("".join(sorted([token, timestamp, nonce])))
- msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypt])))
- key = b64decode(EncodingAESKey + "="), 32 bytes; IV = key[:16]; AES-256-CBC
- plaintext = 16 random bytes + 4-byte big-endian len(msg) + msg + receive_id,
  PKCS#7-padded to a multiple of 32 bytes (not AES's 16), then base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes even though AES blocks are 16


class WeChatKitError(Exception):
    """Base class for everything the kit refuses."""


class SignatureError(WeChatKitError):
    """A signature did not match: the message did not come from who it claims."""


class DecryptError(WeChatKitError):
    """Ciphertext could not be decrypted, unpadded or attributed to the right id."""


def sign(*parts: str) -> str:
    """Return WeChat's SHA1 signature over the parts (sorted, then concatenated)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Turn the 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must have 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def random_aes_key() -> str:
    """Return a fresh valid EncodingAESKey (43 base64 characters, no padding)."""
    return base64.b64encode(os.urandom(32)).decode("ascii").rstrip("=")


def pkcs7_pad(data: bytes, block: int = BLOCK_SIZE) -> bytes:
    """Pad to a multiple of `block`; a full block of padding when already aligned."""
    n = block - len(data) % block
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block: int = BLOCK_SIZE) -> bytes:
    """Strip and check PKCS#7 padding; raise DecryptError when it is malformed."""
    if not data:
        raise DecryptError("empty plaintext")
    n = data[-1]
    if not 1 <= n <= block or data[-n:] != bytes([n]) * n:
        raise DecryptError(f"bad PKCS#7 padding byte {n}")
    return data[:-n]


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def aes_encrypt_raw(key: bytes, padded: bytes) -> str:
    """Encrypt already padded bytes and return base64 text (no padding added here)."""
    enc = _cipher(key).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode("ascii")


def pack_plaintext(msg: str | bytes, receive_id: str, random16: bytes | None = None) -> bytes:
    """Build WeChat's unpadded plaintext: random(16) + len(4, big-endian) + msg + id.

    `msg` may be bytes so hostile tests can encrypt payloads that are not UTF-8.
    """
    body = msg.encode("utf-8") if isinstance(msg, str) else msg
    rnd = random16 if random16 is not None else os.urandom(16)
    if len(rnd) != 16:
        raise ValueError("random prefix must be 16 bytes")
    return rnd + struct.pack(">I", len(body)) + body + receive_id.encode("utf-8")


def encrypt(key: bytes, msg: str | bytes, receive_id: str, random16: bytes | None = None) -> str:
    """Encrypt a message for `receive_id` (app id or corp id); return base64 text."""
    return aes_encrypt_raw(key, pkcs7_pad(pack_plaintext(msg, receive_id, random16)))


def decrypt(key: bytes, text: str, receive_id: str | None) -> str:
    """Decrypt base64 ciphertext; check the receive id unless it is None.

    Raises:
        DecryptError: bad base64, bad block length, bad padding, bad length
            field, non-UTF-8 content or a receive id other than expected.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError(f"not base64: {exc}") from exc
    if not raw or len(raw) % 16:
        raise DecryptError(f"ciphertext length {len(raw)} is not a multiple of 16")
    dec = _cipher(key).decryptor()
    plain = pkcs7_unpad(dec.update(raw) + dec.finalize())
    if len(plain) < 20:
        raise DecryptError("plaintext shorter than its header")
    (length,) = struct.unpack(">I", plain[16:20])
    if 20 + length > len(plain):
        raise DecryptError(f"length field {length} exceeds plaintext")
    try:
        msg = plain[20 : 20 + length].decode("utf-8")
        got_id = plain[20 + length :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptError("plaintext is not UTF-8") from exc
    if receive_id is not None and got_id != receive_id:
        raise DecryptError(f"receive id {got_id!r} is not {receive_id!r}")
    return msg
