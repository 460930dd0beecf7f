"""The tabular page's default experiment and its presets, trained ahead and shipped.

The page's default view (and each preset) trains a network, fits three baselines and
shuffles columns. That needs torch and scikit-learn, about 4 s on a fresh server before the
first number is drawn. These results never change, so `tools/make_tabular_defaults.py`
(`make default-results`) computes them once and writes explorer/data/tabular_defaults.npz:
each network's weights, its loss curves, and the baselines' scores, as plain numpy arrays
(read with allow_pickle=False). The page then evaluates a shipped network with numpy
(`NumpyNet`, the same arithmetic as the torch model in evaluation mode): predictions, the
shuffled-column importance and the embeddings come without torch. Tests train again and
compare.

Each entry is keyed by a fingerprint of the prepared data (the table, the split, the share
of rows) and the network settings, so another release of a dataset or any other setting
gets nothing shipped and trains as usual.

Pure logic (numpy, pandas); no streamlit, no torch (a torch model passed to `predict` or
`embedding_weights` is handled by explorer.tabular_model, imported then).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from explorer import tabular as tab
from explorer.shared_results import shipped_arrays
from explorer.tabular_spec import SPEC

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "tabular_defaults.npz"
BATCH_NORM_EPS = 1e-5  # torch.nn.BatchNorm1d's default


# ---- the network, evaluated with numpy -------------------------------------------------------


@dataclass(frozen=True)
class HiddenLayer:
    """Linear -> ReLU -> BatchNorm, in evaluation mode (running statistics; dropout off)."""

    weight: np.ndarray  # [units, inputs]
    bias: np.ndarray
    scale: np.ndarray  # BatchNorm's weight
    shift: np.ndarray  # BatchNorm's bias
    mean: np.ndarray  # BatchNorm's running mean
    var: np.ndarray  # BatchNorm's running variance


@dataclass(frozen=True)
class NumpyNet:
    """A trained TabularNet's numbers: one lookup table per categorical input (for one-hot
    inputs, the identity matrix), the hidden layers and the output layer."""

    tables: tuple[np.ndarray, ...]
    hidden: tuple[HiddenLayer, ...]
    out_weight: np.ndarray
    out_bias: np.ndarray
    one_hot: bool = False

    def logits(self, x_cat: np.ndarray, x_cont: np.ndarray) -> np.ndarray:
        parts = [table[x_cat[:, j]] for j, table in enumerate(self.tables)]
        h = np.concatenate([*parts, np.asarray(x_cont, np.float32)], axis=1)
        for layer in self.hidden:
            h = np.maximum(h @ layer.weight.T + layer.bias, 0)
            h = (h - layer.mean) / np.sqrt(layer.var + BATCH_NORM_EPS) * layer.scale + layer.shift
        return h @ self.out_weight.T + self.out_bias


def from_torch(model) -> NumpyNet:
    """The numbers of a torch TabularNet (explorer.tabular_model) in evaluation mode."""

    def numbers(tensor) -> np.ndarray:
        return tensor.detach().numpy().astype(np.float32).copy()

    tables = tuple(np.eye(e.num_embeddings, dtype=np.float32) if model.one_hot
                   else numbers(e.weight) for e in model.embeddings)
    linears = [m for m in model.mlp if type(m).__name__ == "Linear"]
    norms = [m for m in model.mlp if type(m).__name__ == "BatchNorm1d"]
    hidden = tuple(HiddenLayer(numbers(lin.weight), numbers(lin.bias), numbers(bn.weight),
                               numbers(bn.bias), numbers(bn.running_mean),
                               numbers(bn.running_var))
                   for lin, bn in zip(linears[:-1], norms, strict=True))
    return NumpyNet(tables, hidden, numbers(linears[-1].weight), numbers(linears[-1].bias),
                    model.one_hot)


def predict(model, prepared: tab.Prepared, x_cat: np.ndarray,
            x_cont: np.ndarray) -> np.ndarray:
    """Class probabilities [rows, classes], or predictions in target units [rows], of a
    shipped NumpyNet or a torch TabularNet (as explorer.tabular_model.predict)."""
    if not isinstance(model, NumpyNet):
        from explorer import tabular_model as tm

        return tm.predict(model, prepared, x_cat, x_cont)
    out = model.logits(x_cat, x_cont)
    if prepared.problem.kind == "regression":
        return out[:, 0].astype(float) * prepared.y_std + prepared.y_mean
    shifted = np.exp(out - out.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(float)


def embedding_weights(model, j: int) -> np.ndarray:
    """The lookup table of the j-th categorical input (codes × width)."""
    if isinstance(model, NumpyNet):
        return model.tables[j]
    from explorer import tabular_model as tm

    return tm.embedding_weights(model, j)


# ---- which results ship ----------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """One shipped experiment: the page's values for the data and the network."""

    dataset: str
    seed: int
    rows_pct: int
    settings: tab.NetSettings

    @property
    def target(self) -> str:
        return tab.DATASETS[self.dataset].target

    def prepare(self) -> tab.Prepared:
        """The built-in table split and encoded as the page does for these values."""
        return tab.prepare(tab.load_dataset(self.dataset), self.target, self.seed,
                           train_share=self.rows_pct / 100)


def state_of(values: dict) -> State:
    return State(values["dataset"], int(values["tab_seed"]), int(values["tab_rows"]),
                 tab.net_settings(values["layers"], values["dropout"], values["wd"],
                                  values["tab_epochs"], values["tab_lr"], values["inputs"]))


@functools.cache
def shipped_states() -> tuple[State, ...]:
    """The page's default view and every preset (the first preset is the default view)."""
    defaults = {param.key: param.default for param in SPEC.params}
    states = [state_of(defaults)]
    for preset in SPEC.presets:
        state = state_of({**defaults, **preset.values})
        if state not in states:
            states.append(state)
    return tuple(states)


def may_ship(dataset: str, seed: int, rows_pct: int,
             settings: tab.NetSettings | None = None) -> bool:
    """A cheap check before hashing data: are these values one of the shipped states (with
    settings None: does any shipped state use this data and split)?"""
    return any((state.dataset, state.seed, state.rows_pct) == (dataset, seed, rows_pct)
               and settings in (None, state.settings) for state in shipped_states())


def fingerprint(prepared: tab.Prepared) -> str:
    """A digest of everything training, the baselines and the page's results read: the
    encoded rows of both parts, the targets and the preprocessing's statistics."""
    digest = hashlib.sha256()
    for array in (prepared.x_cat_train, prepared.x_cont_train, prepared.y_train,
                  prepared.x_cat_valid, prepared.x_cont_valid, prepared.y_valid):
        array = np.ascontiguousarray(array)
        digest.update(str(array.dtype).encode() + str(array.shape).encode())
        digest.update(array.tobytes())
    prep = prepared.prep
    digest.update(json.dumps([prepared.target, prepared.problem.kind,
                              list(prepared.problem.classes), prepared.y_mean,
                              prepared.y_std, prep.categorical, prep.continuous,
                              prep.na_flags, prep.vocab, prep.medians, prep.means,
                              prep.stds], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _entry_key(data_fingerprint: str, settings: tab.NetSettings) -> str:
    return data_fingerprint + "|" + json.dumps(asdict(settings), sort_keys=True)


# ---- the file --------------------------------------------------------------------------------


def save(path: Path, results: list[tuple[tab.Prepared, tab.NetSettings, tab.Experiment,
                                          pd.DataFrame]]) -> None:
    """Write each (prepared data, settings, experiment, baselines) as plain arrays."""
    arrays: dict[str, np.ndarray] = {}
    keys = []
    for i, (prepared, settings, experiment, baselines) in enumerate(results):
        keys.append(_entry_key(fingerprint(prepared), settings))
        net = experiment.net
        numpy_net = net.model if isinstance(net.model, NumpyNet) else from_torch(net.model)
        if not numpy_net.one_hot:
            for j, table in enumerate(numpy_net.tables):
                arrays[f"{i}/table/{j}"] = table
        for k, layer in enumerate(numpy_net.hidden):
            for name, value in asdict(layer).items():
                arrays[f"{i}/hidden/{k}/{name}"] = value
        arrays[f"{i}/out_weight"] = numpy_net.out_weight
        arrays[f"{i}/out_bias"] = numpy_net.out_bias
        history = net.history
        arrays[f"{i}/history_epoch"] = history["epoch"].to_numpy(np.int64)
        arrays[f"{i}/history_split"] = history["split"].to_numpy(str)
        arrays[f"{i}/history_loss"] = history["loss"].to_numpy(np.float64)
        arrays[f"{i}/net"] = np.array([net.seconds, net.n_parameters, net.batch_size,
                                       len(numpy_net.hidden)], np.float64)
        arrays[f"{i}/baseline_models"] = baselines["model"].to_numpy(str)
        metric_names = [name for name in baselines.columns if name != "model"]
        arrays[f"{i}/baseline_metrics"] = np.array(metric_names)
        arrays[f"{i}/baseline_scores"] = baselines[metric_names].to_numpy(np.float64)
    arrays["keys"] = np.array(keys)
    np.savez_compressed(path, **arrays)


def _entries(path: Path) -> tuple[dict[str, np.ndarray], list[str]] | None:
    arrays = shipped_arrays(path)
    return None if arrays is None else (arrays, [str(key) for key in arrays["keys"]])


def load_experiment(prepared: tab.Prepared, settings: tab.NetSettings,
                    path: Path = SHIPPED_FILE) -> tab.Experiment | None:
    """The shipped experiment for this data and these settings, or None."""
    entries = _entries(path)
    key = _entry_key(fingerprint(prepared), settings)
    if entries is None or key not in entries[1]:
        return None
    arrays, i = entries[0], entries[1].index(key)
    seconds, n_parameters, batch_size, n_hidden = arrays[f"{i}/net"]
    if settings.one_hot:
        tables = tuple(np.eye(n, dtype=np.float32) for n in prepared.prep.cardinalities)
    else:
        tables = tuple(arrays[f"{i}/table/{j}"]
                       for j in range(len(prepared.prep.cardinalities)))
    hidden = tuple(HiddenLayer(**{name: arrays[f"{i}/hidden/{k}/{name}"]
                                  for name in HiddenLayer.__dataclass_fields__})
                   for k in range(int(n_hidden)))
    model = NumpyNet(tables, hidden, arrays[f"{i}/out_weight"], arrays[f"{i}/out_bias"],
                     settings.one_hot)
    history = pd.DataFrame({"epoch": arrays[f"{i}/history_epoch"],
                            "split": arrays[f"{i}/history_split"].astype(object),
                            "loss": arrays[f"{i}/history_loss"]})
    net = tab.TrainedNet(model, history, float(seconds), int(n_parameters), int(batch_size),
                         shipped=True)
    keep = prepared.y_valid >= 0
    valid_prediction = predict(model, prepared, prepared.x_cat_valid[keep],
                               prepared.x_cont_valid[keep])
    return tab.Experiment(prepared, net, valid_prediction,
                          tab.score(prepared, prepared.y_valid[keep], valid_prediction))


def load_baselines(prepared: tab.Prepared, path: Path = SHIPPED_FILE) -> pd.DataFrame | None:
    """The shipped baselines' scores for this data (they do not depend on the network's
    settings: any entry on the same data has them), or None."""
    entries = _entries(path)
    if entries is None:
        return None
    arrays, keys = entries
    data_fingerprint = fingerprint(prepared)
    matches = [i for i, key in enumerate(keys) if key.split("|")[0] == data_fingerprint]
    if not matches:
        return None
    i = matches[0]
    metric_names = [str(name) for name in arrays[f"{i}/baseline_metrics"]]
    baselines = pd.DataFrame(arrays[f"{i}/baseline_scores"], columns=metric_names)
    baselines.insert(0, "model", arrays[f"{i}/baseline_models"].astype(object))
    return baselines
