import gzip

import numpy as np
import pytest

from pycore import mnist
from pycore.errors import MnistFileError


def write_split(folder, images, labels, part="train"):
    image_file, label_file = mnist.FILES[part]
    (folder / image_file).write_bytes(mnist.to_idx(images))
    (folder / label_file).write_bytes(mnist.to_idx(labels))


def test_round_trip_of_a_small_file(tmp_path, rng):
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    path = tmp_path / "x.idx"
    path.write_bytes(mnist.to_idx(images))
    np.testing.assert_array_equal(mnist.read_idx(path, ndim=3), images)


def test_gzip_files_are_read(rng):
    labels = rng.integers(0, 10, 7, dtype=np.uint8)
    np.testing.assert_array_equal(mnist.parse_idx(gzip.compress(mnist.to_idx(labels))), labels)


def test_truncated_file_names_the_file_and_the_sizes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(mnist.to_idx(np.zeros((3, 28, 28), np.uint8))[:-10])
    with pytest.raises(MnistFileError, match=r"train-images-idx3-ubyte: truncated.*\(3, 28, 28\)"):
        mnist.read_idx(path)


def test_wrong_magic(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(b"\x00\x00\x0d\x01" + b"\x00" * 8)
    with pytest.raises(MnistFileError, match="labels: wrong magic number 0x00000d01"):
        mnist.read_idx(path)


def test_wrong_dimensions_and_extra_bytes(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(mnist.to_idx(np.zeros(4, np.uint8)))
    with pytest.raises(MnistFileError, match="1 dimensions, expected 3"):
        mnist.read_idx(path, ndim=3)
    path.write_bytes(mnist.to_idx(np.zeros(4, np.uint8)) + b"xx")
    with pytest.raises(MnistFileError, match="2 unexpected bytes"):
        mnist.read_idx(path)


def test_missing_folder_says_how_to_fetch(tmp_path):
    with pytest.raises(MnistFileError, match="make setup"):
        mnist.load_split(tmp_path / "nope", "train")


def test_selection_keeps_dataset_order_and_limit(tmp_path):
    labels = np.array([3, 0, 1, 7, 2, 0, 9, 1], np.uint8)
    images = np.arange(8, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    write_split(tmp_path, images, labels)
    split = mnist.load_split(tmp_path, "train").select((0, 1, 2), limit=4)
    np.testing.assert_array_equal(split.labels, [0, 1, 2, 0])
    np.testing.assert_array_equal(split.images[:, 0, 0], [1, 2, 4, 5])
    x = mnist.scale_pixels(split.images)
    assert x.shape == (4, 784) and x.max() == pytest.approx(5 / 255)


def test_count_mismatch(tmp_path):
    write_split(tmp_path, np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(MnistFileError, match="3 images but 2 labels"):
        mnist.load_split(tmp_path, "train")


@pytest.mark.needs_mnist
def test_real_mnist_counts_and_checksums(mnist_dir):
    mnist.verify_checksums(mnist_dir)
    train = mnist.load_split(mnist_dir, "train")
    test = mnist.load_split(mnist_dir, "test")
    assert train.images.shape == (60000, 28, 28) and len(test) == 10000
    assert len(train.select((0, 1, 2))) == 18623
    assert len(test.select((0, 1, 2))) == 3147
    assert len(train.select((0, 1, 2), limit=5000)) == 5000
    assert train.select((0, 1, 2)).labels[0] == 0  # the seed's first training target is [1, 0, 0]


def test_checksum_mismatch_is_reported(tmp_path):
    for name in mnist.SHA256:
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(MnistFileError, match="sha256"):
        mnist.verify_checksums(tmp_path)
