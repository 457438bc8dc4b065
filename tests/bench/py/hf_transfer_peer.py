"""hf_transfer as huggingface_hub 0.x drove it (HF_HUB_ENABLE_HF_TRANSFER=1), for `make bench-download`.

huggingface_hub 2.x no longer drives hf_transfer, so this does what its `snapshot_download` did:
list the repo, then 8 worker threads, one file each; per file a HEAD on `resolve` without
following the redirect (an LFS file answers 302 to the CDN), then `hf_transfer.download` on the
CDN URL for a file above 10 MiB (100 open files, 10 MiB chunks, 3 parallel failures, 5 retries),
a plain GET below that. Then the sha256 pass: each LFS file against the hub's sha256, each small
file against its git blob id. Prints the seconds taken, imports excluded.

Usage: python hf_transfer_peer.py ENDPOINT REPO_ID OUT_DIR
"""

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import hf_transfer

CHUNK = 10 * 1024 * 1024  # huggingface_hub's DOWNLOAD_CHUNK_SIZE
CONCURRENCY = 100  # huggingface_hub's HF_TRANSFER_CONCURRENCY


class KeepRedirect(urllib.request.HTTPRedirectHandler):
    """Answers a redirect as it is, so its `Location` can be read (huggingface_hub's HEAD)."""

    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECT = urllib.request.build_opener(KeepRedirect)


def resolve(url):
    """The URL to fetch: the CDN's for a file the hub redirects, the hub's own otherwise."""
    try:
        with NO_REDIRECT.open(urllib.request.Request(url, method="HEAD"), timeout=30):
            return url
    except urllib.error.HTTPError as redirect:
        if redirect.code in (301, 302, 307, 308):
            return redirect.headers["Location"]
        raise


def fetch(endpoint, repo_id, out, sibling):
    name = sibling["rfilename"]
    url = resolve(f"{endpoint}/{repo_id}/resolve/main/{name}")
    path = os.path.join(out, name)
    if sibling["size"] > CHUNK:
        hf_transfer.download(
            url=url,
            filename=path,
            max_files=CONCURRENCY,
            chunk_size=CHUNK,
            parallel_failures=3,
            max_retries=5,
        )
    else:
        with urllib.request.urlopen(url, timeout=30) as answer, open(path, "wb") as f:
            f.write(answer.read())
    return verify(path, sibling)


def verify(path, sibling):
    lfs = sibling.get("lfs")
    digest = hashlib.sha256() if lfs else hashlib.sha1(b"blob %d\0" % sibling["size"])
    with open(path, "rb") as f:
        while block := f.read(4 * 1024 * 1024):
            digest.update(block)
    expected = lfs["sha256"] if lfs else sibling["blobId"]
    if digest.hexdigest() != expected:
        raise SystemExit(f"{sibling['rfilename']}: digest {digest.hexdigest()} != {expected}")
    return sibling["size"]


def main():
    endpoint, repo_id, out = sys.argv[1:4]
    started = time.perf_counter()
    listing = f"{endpoint}/api/models/{repo_id}/revision/main?blobs=true"
    with urllib.request.urlopen(listing, timeout=30) as answer:
        siblings = json.load(answer)["siblings"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(lambda s: fetch(endpoint, repo_id, out, s), siblings))
    elapsed = time.perf_counter() - started
    assert sum(sizes) == sum(s["size"] for s in siblings)
    print(elapsed)


if __name__ == "__main__":
    main()
