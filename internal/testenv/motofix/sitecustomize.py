# Loaded by the Python interpreter of every moto_server that
# internal/testenv starts (it puts this directory first on PYTHONPATH).
#
# moto 5.2's server checks a SigV4 signature against the URL that Werkzeug
# hands it, request.url, which is an IRI: Werkzeug has decoded most of the
# percent-escapes ("prefix=docs%2F" arrives as "prefix=docs/", an object key
# "docs/%C3%BC.pdf" as "docs/ü.pdf"). botocore's signer takes the query of
# that URL, and for S3 its path, verbatim as the canonical form, so every
# request whose query holds a "/" or whose query or S3 key holds a
# non-ASCII or other escaped character fails with SignatureDoesNotMatch
# once IAM enforcement is on (INITIAL_NO_AUTH_ACTION_COUNT): ListObjectsV2
# with a prefix such as "docs/", for one. AWS itself canonicalizes as SigV4
# says, so a client signing correctly is refused by moto only.
# (getmoto/moto issue 5948.)
#
# The fix canonicalizes as SigV4 specifies: each query name and value, and
# the S3 path, is percent-decoded and then encoded with only A-Z a-z 0-9
# - _ . ~ (and "/" in the path) left as they are. What was already
# canonical comes out unchanged, "%25" included.
from urllib.parse import quote, unquote

try:
    from botocore import auth as _auth
except ImportError:  # not moto's interpreter: nothing to fix
    _auth = None


def _canonical_query_string_url(self, parts):
    if not parts.query:
        return ""
    pairs = []
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        pairs.append((quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _s3_normalize_url_path(self, path):
    return quote(unquote(path), safe="/-_.~")


if _auth is not None:
    _auth.SigV4Auth._canonical_query_string_url = _canonical_query_string_url
    _auth.S3SigV4Auth._normalize_url_path = _s3_normalize_url_path
