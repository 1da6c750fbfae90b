"""Files for the media tests, made here with Pillow: a JPEG carrying GPS and the camera's
serial number in its EXIF, and a small MP4 whose `udta` box carries a GPS position."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

GPS_IFD = 0x8825
MAKE, MODEL, SERIAL, ORIENTATION = 0x010F, 0x0110, 0xA431, 0x0112
"""EXIF tags: camera make and model, BodySerialNumber, orientation."""
SERIAL_NUMBER = "CAM-SN-4471902"


def jpeg_with_gps(path: Path, *, size: tuple[int, int] = (64, 40),
                  colour: tuple[int, int, int] = (200, 30, 30)) -> Path:
    """A JPEG whose EXIF holds a GPS position (Vienna), the camera's make, model and serial
    number: what a phone writes into every photo."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Pocket 12"
    exif[ORIENTATION] = 1
    exif.get_ifd(0x8769)[SERIAL] = SERIAL_NUMBER
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 12.0, 30.0)
    gps[3] = "E"
    gps[4] = (16.0, 22.0, 15.0)
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def png(path: Path, *, size: tuple[int, int] = (30, 20),
        colour: tuple[int, int, int] = (20, 120, 200)) -> Path:
    Image.new("RGB", size, colour).save(path, "PNG")
    return path


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _track(width: int, height: int, handler: bytes) -> bytes:
    tkhd = _box(b"tkhd", bytes(76) + struct.pack(">II", width << 16, height << 16))
    hdlr = _box(b"hdlr", bytes(8) + handler + bytes(12) + b"Handler\0")
    return _box(b"trak", tkhd + _box(b"mdia", _box(b"mdhd", bytes(24)) + hdlr))


def mp4_with_gps(path: Path, *, width: int = 320, height: int = 240,
                 telemetry: bool = False) -> Path:
    """A minimal MP4 (ftyp, moov with a video track and a `udta` holding ©xyz GPS and a
    serial number, mdat): enough for the box walk; not a playable film. With `telemetry`
    also a `meta` data track, as action cameras record GPS."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    trak = _track(width, height, b"vide") + _track(0, 0, b"soun")
    if telemetry:
        trak += _track(0, 0, b"meta")
    location = b"+48.2082+016.3738/"
    udta = _box(b"udta", _box(b"\xa9xyz", struct.pack(">HH", len(location), 0) + location)
                + _box(b"\xa9mak", b"PhoneMaker " + SERIAL_NUMBER.encode()))
    moov = _box(b"moov", _box(b"mvhd", bytes(100)) + trak + udta)
    mdat = _box(b"mdat", bytes(range(256)) * 8)
    path.write_bytes(ftyp + moov + mdat)
    return path


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif()
