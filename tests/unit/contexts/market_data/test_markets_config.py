from __future__ import annotations

from pathlib import Path

import pytest

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.domain.instrument_id import InstrumentId, resolve_instrument
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.config_paths import ConfigError, config_dir, config_file
from trading.shared.errors import DomainError

VALID = """
markets:
  - {id: 1, name: binance_spot, kind: spot, default_fee_pct: 0.075}
  - {id: 2, name: binance_usdm_futures, kind: futures, default_fee_pct: 0.04}
"""


def _write_env(root: Path, env: str, text: str) -> Path:
    (root / env).mkdir(parents=True)
    path = root / env / "markets.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_shipped_configs_have_crypto_stock_and_fx_markets(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADING_CONFIG_DIR", raising=False)
    monkeypatch.setenv("TRADING_ENV", env)
    catalog = load_markets()
    spot, futures = catalog.get(1), catalog.get(2)
    assert spot is not None and (spot.kind, spot.default_fee_pct) == ("spot", 0.075)
    assert futures is not None and (futures.kind, futures.default_fee_pct) == ("futures", 0.04)
    assert (spot.calendar, spot.annualization_days) == ("continuous", 365)
    by_kind = {m.kind: m for m in catalog.markets}
    for kind in ("stock", "fx"):
        assert (by_kind[kind].calendar, by_kind[kind].annualization_days) == ("sessions", 252)
        assert by_kind[kind].default_fee_pct > 0
    assert config_file("markets.yaml") == config_dir() / "markets.yaml"
    assert config_dir().name == env


def test_env_vars_select_environment_and_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_env(tmp_path, "staging", VALID.replace("0.075", "0.1"))
    monkeypatch.setenv("TRADING_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("TRADING_ENV", "staging")
    spot = load_markets().get(1)
    assert spot is not None and spot.default_fee_pct == 0.1


def test_missing_environment_directory_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("TRADING_ENV", "nowhere")
    with pytest.raises(ConfigError, match=r"TRADING_ENV='nowhere'.*does not exist"):
        config_dir()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VALID + "extra: 1\n", r"extra: Extra inputs are not permitted"),
        (VALID.replace("kind: spot", "kind: swap"), r"markets\[0\]\.kind: Input should be 'spot', 'futures', 'stock'"),
        (VALID.replace("kind: spot,", "kind: spot, maker_fee: 0.1,"), r"markets\[0\]\.maker_fee: Extra inputs"),
        (VALID.replace("default_fee_pct: 0.04", "default_fee_pct: '0.04'"), r"markets\[1\]\.default_fee_pct"),
        (VALID.replace("default_fee_pct: 0.04", "default_fee_pct: -1"), r"markets\[1\]\.default_fee_pct"),
        (VALID.replace("id: 2", "id: true"), r"markets\[1\]\.id: Input should be a valid integer"),
        (VALID.replace("id: 2", "id: 1"), r"duplicate market id: 1"),
        ("markets: []\n", r"markets: List should have at least 1 item"),
        ("markets: [\n", r"cannot read YAML"),
    ],
)
def test_invalid_markets_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "markets.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_markets(path)
    assert str(path) in str(caught.value)


def test_instrument_id_parsing(markets: MarketCatalog) -> None:
    assert InstrumentId.parse("1:BTCUSDT") == InstrumentId(1, "BTCUSDT")
    assert str(InstrumentId.parse("12:1000PEPEUSDT")) == "12:1000PEPEUSDT"
    assert [str(InstrumentId.parse(t)) for t in ("4:BRK.B", "5:EURUSD", "2:BTC-PERP", "4:X_Y")] == [
        "4:BRK.B",
        "5:EURUSD",
        "2:BTC-PERP",
        "4:X_Y",
    ]
    instrument, market = resolve_instrument("2:ETHUSDT", markets)
    assert (instrument.market_id, instrument.symbol, market.kind) == (2, "ETHUSDT", "futures")


@pytest.mark.parametrize(
    "text",
    ["1:btcusdt", "01:BTCUSDT", "BTCUSDT", "1:", ":BTC", "1:BTC-", "1:.B", " 1:BTC", "0:BTC", "1:BTC\n", "1:BRK/B"],
)
def test_malformed_instrument_ids_are_rejected(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        InstrumentId.parse(text)
    assert (caught.value.code, caught.value.status) == ("invalid_instrument_id", 422)
    assert repr(text) in caught.value.message


def test_unconfigured_market_is_unknown_instrument(markets: MarketCatalog) -> None:
    with pytest.raises(DomainError) as caught:
        resolve_instrument("99:BTCUSDT", markets)
    assert (caught.value.code, caught.value.status) == ("unknown_instrument", 404)
    assert "market 99 is not configured" in caught.value.message
