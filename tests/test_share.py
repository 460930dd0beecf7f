"""The view's public URL and its QR code, decoded by an independent reader (zxing-cpp)."""

from __future__ import annotations

import io

import pytest

from explorer import share


def decode(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_view_url_from_the_browser_address(monkeypatch):
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)
    assert share.view_url("http://10.0.0.5:8501/gradient_descent", "gradient_descent",
                          [("lr", "0.5"), ("present", "true")]) == (
        "http://10.0.0.5:8501/gradient_descent?lr=0.5&present=true")
    assert share.view_url("http://h:1/", "gradient_descent", []) == "http://h:1/gradient_descent"
    assert share.view_url(None, "x", []) is None


def test_a_public_address_setting_wins_behind_a_proxy(monkeypatch):
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "https://course.example.org/explorer/")
    url = share.view_url("http://127.0.0.1:8501/tabular", "tabular",
                         [("tour", "generalization"), ("tour_step", "7"), ("compare", "a b")])
    assert url == ("https://course.example.org/explorer/tabular?tour=generalization"
                   "&tour_step=7&compare=a+b")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8501/gradient_descent?lr=0.5&present=true",
    "https://course.example.org/explorer/activation_functions?view=Softmax&logits=2%2C1%2C0.1"
    "&compare=ReLU&compare=GELU&tour=depth_and_nonlinearity&tour_step=5"])
def test_the_qr_code_decodes_to_the_url(url):
    assert decode(share.qr_png(url)) == [url]
