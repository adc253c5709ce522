"""Images as users store them (neurogrow.data.images): each case against a hand-made expected array."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from neurogrow.data import load_image_folder
from neurogrow.data.images import BACKGROUND, read_image, to_array
from neurogrow.errors import DataError


def _png16(path, arr: np.ndarray, colour_type: int) -> None:
    """Write a 16-bit PNG by hand (Pillow cannot write 16-bit colour): colour type 0 grey, 2 RGB, 4 LA, 6 RGBA."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_background_is_white():
    assert BACKGROUND == 255


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257, 1000, 32768], [65535, 65278, 128, 40000]], dtype=np.uint16)
    _png16(tmp_path / "g16.png", values, 0)
    expected = np.array([[0, 1, 4, 128], [255, 254, 0, 156]], dtype=np.uint8)  # round(v * 255 / 65535)
    np.testing.assert_array_equal(read_image(tmp_path / "g16.png", 1)[..., 0], expected)
    np.testing.assert_array_equal(read_image(tmp_path / "g16.png", 3), np.repeat(expected[..., None], 3, axis=2))


def test_16_bit_greyscale_written_by_pillow_keeps_its_contrast(tmp_path):
    # the reported failure: a 16-bit PNG came out 99.4 % white (Pillow's convert("L") clips above 255)
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    arr = read_image(tmp_path / "ramp.png", 3)
    np.testing.assert_array_equal(arr[..., 0], np.rint(ramp * (255 / 65535)).astype(np.uint8))
    assert (arr == 255).mean() < 0.01


def test_16_bit_colour_and_alpha(tmp_path):
    rgb = np.array([[[65535, 0, 25700], [300, 600, 40000]]], dtype=np.uint16)
    _png16(tmp_path / "rgb16.png", rgb, 2)
    np.testing.assert_array_equal(read_image(tmp_path / "rgb16.png"), [[[255, 0, 100], [1, 2, 156]]])  # high byte
    rgba = np.array([[[65535, 0, 25700, 0], [300, 600, 40000, 65535]]], dtype=np.uint16)
    _png16(tmp_path / "rgba16.png", rgba, 6)
    np.testing.assert_array_equal(read_image(tmp_path / "rgba16.png"), [[[255, 255, 255], [1, 2, 156]]])


def test_palette_with_and_without_transparency(tmp_path):
    idx = np.array([[0, 1], [2, 1]], dtype=np.uint8)
    img = Image.fromarray(idx, mode="P")
    img.putpalette([0, 0, 0, 200, 10, 20, 0, 0, 255] + [0] * (256 * 3 - 9))
    expected = np.array([[[0, 0, 0], [200, 10, 20]], [[0, 0, 255], [200, 10, 20]]], dtype=np.uint8)
    img.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), expected)
    img.save(tmp_path / "pt.png", transparency=0)  # palette entry 0 (black) transparent
    expected[0, 0] = 255
    np.testing.assert_array_equal(read_image(tmp_path / "pt.png"), expected)


def test_cmyk():
    cmyk = np.array([[[100, 0, 0, 0], [100, 0, 0, 51], [0, 0, 0, 255], [0, 50, 255, 0]]], dtype=np.uint8)
    # R = (255 - C)(255 - K) / 255, G from M, B from Y
    expected = np.array([[[155, 255, 255], [124, 204, 204], [0, 0, 0], [255, 205, 0]]], dtype=np.uint8)
    np.testing.assert_array_equal(to_array(Image.fromarray(cmyk, mode="CMYK")), expected)


def test_cmyk_jpeg_file(tmp_path):
    cmyk = np.zeros((16, 16, 4), dtype=np.uint8)
    cmyk[:, :8, 0] = 255  # cyan left half -> (0, 255, 255); white right half
    Image.fromarray(cmyk, mode="CMYK").save(tmp_path / "c.jpg", quality=100)
    arr = read_image(tmp_path / "c.jpg").astype(int)
    expected = np.full((16, 16, 3), 255)
    expected[:, :8, 0] = 0
    assert np.abs(arr - expected).max() <= 6  # JPEG is lossy


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_transparency_is_composited_on_white_not_black(tmp_path, mode):
    if mode == "RGBA":
        arr = np.array([[[0, 0, 0, 0], [100, 50, 0, 128]], [[10, 20, 30, 255], [0, 0, 0, 255]]], dtype=np.uint8)
        # round(a * c + (1 - a) * 255) with a = alpha / 255
        expected = np.array([[[255, 255, 255], [177, 152, 127]], [[10, 20, 30], [0, 0, 0]]], dtype=np.uint8)
    else:
        arr = np.array([[[0, 0], [100, 128]], [[10, 255], [0, 255]]], dtype=np.uint8)
        expected = np.repeat(np.array([[255, 177], [10, 0]], dtype=np.uint8)[..., None], 3, axis=2)
    Image.fromarray(arr, mode=mode).save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), expected)


def test_transparent_line_drawing_is_not_all_black(tmp_path):
    # the reported failure: an RGBA drawing on a transparent background came out all black
    arr = np.zeros((32, 32, 4), dtype=np.uint8)
    arr[10:20, 15, 3] = 255  # one opaque black line
    Image.fromarray(arr, mode="RGBA").save(tmp_path / "draw.png")
    out = read_image(tmp_path / "draw.png")
    assert (out == 255).all(axis=2).sum() == 32 * 32 - 10
    assert (out[10:20, 15] == 0).all()


@pytest.mark.parametrize("orientation,rot", [(3, 2), (6, -1), (8, 1)])
def test_exif_orientation_is_applied(tmp_path, orientation, rot):
    arr = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    img = Image.fromarray(arr, mode="RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(tmp_path / "e.png", exif=exif)
    # 3: rotated 180; 6: the image must be turned 90 degrees clockwise; 8: counter-clockwise
    np.testing.assert_array_equal(read_image(tmp_path / "e.png"), np.rot90(arr, k=rot))


def test_greyscale_and_colour_conversions(tmp_path):
    grey = np.array([[0, 100], [200, 255]], dtype=np.uint8)
    Image.fromarray(grey, mode="L").save(tmp_path / "l.png")
    np.testing.assert_array_equal(read_image(tmp_path / "l.png", 3), np.repeat(grey[..., None], 3, axis=2))
    np.testing.assert_array_equal(read_image(tmp_path / "l.png", 1)[..., 0], grey)
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 30]]], dtype=np.uint8)
    Image.fromarray(rgb, mode="RGB").save(tmp_path / "rgb.png")
    # ITU-R 601-2: R * 0.299 + G * 0.587 + B * 0.114, rounded
    np.testing.assert_array_equal(read_image(tmp_path / "rgb.png", 1)[..., 0], [[76, 150, 29, 124]])
    np.testing.assert_array_equal(read_image(tmp_path / "rgb.png", 3), rgb)
    bits = np.array([[True, False], [False, True]])
    Image.fromarray(bits).save(tmp_path / "b.png")
    np.testing.assert_array_equal(read_image(tmp_path / "b.png", 1)[..., 0], [[255, 0], [0, 255]])


def test_image_folder_uses_the_conversion_and_resizes_after_it(tmp_path):
    (tmp_path / "cat").mkdir()
    arr = np.zeros((8, 8, 4), dtype=np.uint8)  # fully transparent
    Image.fromarray(arr, mode="RGBA").save(tmp_path / "cat" / "a.png")
    _png16(tmp_path / "cat" / "b.png", np.full((8, 8), 65535, dtype=np.uint16), 0)
    data = load_image_folder(tmp_path, size=4)
    assert data.images.shape == (2, 4, 4, 3)
    assert (data.images == 255).all()


def test_unsupported_mode_and_unreadable_file_are_one_line_errors(tmp_path):
    with pytest.raises(DataError, match="image mode F"):
        to_array(Image.fromarray(np.zeros((2, 2), dtype=np.float32), mode="F"), 3, "x.tif")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"bad\.png: not a readable image"):
        read_image(tmp_path / "bad.png")
