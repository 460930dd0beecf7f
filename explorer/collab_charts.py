"""Chart builders for the collaborative filtering page (plain alt.Chart, no streamlit)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer import charts


def _short(title: str, n: int = 28) -> str:
    return title if len(title) <= n else title[: n - 1] + "…"


def crosstab_chart(frame: pd.DataFrame, low: float, high: float, height: int,
                   compact: bool = False) -> alt.Chart:
    """Users x movies: known ratings solid with their value, gaps shown with the model's guess.

    compact: for a phone's width: 11 px numbers, the users' ids without the word 'user',
    shorter titles, no colour legend (the numbers are in the cells), so every cell keeps
    room for its number."""
    data = frame.assign(
        movie_short=frame["movie"].map(_short),
        known=frame["rating"].notna(),
        value=np.where(frame["rating"].notna(), frame["rating"],
                       frame.get("predicted", np.nan)),
    )
    data["label"] = [f"{v:.1f}" if k else (f"({v:.1f})" if np.isfinite(v) else "?")
                     for v, k in zip(data["value"], data["known"], strict=True)]
    data["has_value"] = data["value"].notna()
    data["value"] = data["value"].fillna(0.0)  # no NaN in chart data; has_value says grey
    data = data.drop(columns=["rating", "predicted"], errors="ignore")
    data["kind"] = np.where(data["known"], "known rating", "model's guess")
    mid = (low + high) / 2
    data["ink"] = np.where(~data["known"], "#333333",
                           np.where(data["value"] > mid, "black", "white"))
    if compact:
        data["movie_short"] = data["movie"].map(lambda t: _short(t, 18))
        data["user_label"] = data["user"].str.removeprefix("user ")
    else:
        data["user_label"] = data["user"]
    base = alt.Chart(data).encode(
        x=alt.X("movie_short:N", title=None, sort=None, axis=alt.Axis(
            labelAngle=-40 if compact else -30, labelLimit=220)),
        y=alt.Y("user_label:N", title="user" if compact else None, sort=None),
    )
    colour = alt.condition(
        "datum.has_value",
        alt.Color("value:Q", title="rating", scale=alt.Scale(scheme=charts.SEQUENTIAL,
                                                             domain=[low, high]),
                  legend=None if compact else alt.Legend()),
        alt.value("#E3E6EA"))
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=colour,
        opacity=alt.condition("datum.known", alt.value(1.0), alt.value(0.35)),
        tooltip=["user:N", "movie:N", "kind:N", alt.Tooltip("value:Q", format=".2f")])
    text = base.mark_text(fontSize=11 if compact else round(14 * height / 380)).encode(
        text="label:N", color=alt.Color("ink:N", scale=None))
    # Room on the left for the first movie's slanted title (on a phone the chart is
    # squeezed to the screen and the title would be cut at the edge).
    return (cells + text).resolve_scale(color="independent").properties(
        height=height, width=alt.Step(round(66 * height / 380)),
        padding={"left": 40, "top": 5, "right": 5, "bottom": 5})


def loss_chart(train_rmse: list[float], valid_rmse: list[float],
               baselines: dict[str, float], height: int) -> alt.Chart:
    """Training and validation RMSE per epoch, with baselines as dashed lines."""
    epochs = np.arange(1, len(valid_rmse) + 1)
    curves = pd.concat([
        pd.DataFrame({"epoch": epochs, "RMSE": train_rmse, "curve": "training"}),
        pd.DataFrame({"epoch": epochs, "RMSE": valid_rmse, "curve": "validation"}),
    ])
    rules = pd.DataFrame({"RMSE": list(baselines.values()), "curve": list(baselines.keys())})
    all_values = np.concatenate([curves["RMSE"].to_numpy(), rules["RMSE"].to_numpy()])
    top = float(min(np.nanmax(all_values), 2.0 * np.nanmedian(all_values)))
    bottom = float(np.nanmin(all_values))
    domain = [max(0.0, bottom - 0.05), top + 0.05]
    colours = alt.Scale(domain=["training", "validation", *baselines.keys()],
                        range=charts.PALETTE[: 2 + len(baselines)])
    lines = alt.Chart(curves).mark_line(point=True, clip=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("RMSE:Q", scale=alt.Scale(domain=domain, zero=False),
                title="root mean squared error"),
        color=alt.Color("curve:N", scale=colours, title=None),
        tooltip=["curve:N", "epoch:Q", alt.Tooltip("RMSE:Q", format=".4f")])
    dashed = alt.Chart(rules).mark_rule(strokeDash=[6, 4], strokeWidth=2, clip=True).encode(
        y="RMSE:Q", color=alt.Color("curve:N", scale=colours, title=None),
        tooltip=["curve:N", alt.Tooltip("RMSE:Q", format=".4f")])
    return (lines + dashed).properties(height=height)


def bias_chart(frame: pd.DataFrame, height: int) -> alt.Chart:
    """Horizontal bars of the lowest and highest learned movie biases."""
    data = frame.assign(movie=frame["title"].map(lambda t: _short(t, 40)))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("movie:N", sort=alt.EncodingSortField("bias", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=320)),
        x=alt.X("bias:Q", title="learned movie bias"),
        color=alt.Color("side:N", scale=alt.Scale(domain=["lowest", "highest"],
                                                  range=[charts.PALETTE[3], charts.PALETTE[0]]),
                        title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["title:N", alt.Tooltip("bias:Q", format=".3f"), "ratings:Q",
                 alt.Tooltip("mean rating:Q", format=".2f")],
    ).properties(height=height)


def movie_map_chart(frame: pd.DataFrame, share: np.ndarray, height: int,
                    highlight: str | None = None) -> alt.Chart:
    """Movies placed by the first two principal axes of their factors, coloured by genre."""
    x_title = f"main axis 1 ({share[0]:.0%} of the spread)" if len(share) > 0 else "axis 1"
    y_title = f"main axis 2 ({share[1]:.0%} of the spread)" if len(share) > 1 else "axis 2"
    # "other" last and in light grey, so the named genres stand out
    named = sorted(set(frame["genre"]) - {"other"})
    genres = named + (["other"] if "other" in set(frame["genre"]) else [])
    points = alt.Chart(frame).mark_circle(opacity=0.75).encode(
        x=alt.X("pc1:Q", title=x_title),
        y=alt.Y("pc2:Q", title=y_title),
        color=alt.Color("genre:N", title="main genre", scale=alt.Scale(
            domain=genres, range=[*charts.PALETTE[:len(named)], "#C8CCD2"][:len(genres)])),
        size=alt.Size("ratings:Q", title="ratings", scale=alt.Scale(range=[20, 260])),
        tooltip=["title:N", "genre:N", "ratings:Q", alt.Tooltip("bias:Q", format=".2f")])
    layers = [points.interactive()]
    if highlight is not None and highlight in set(frame["title"]):
        marked = frame[frame["title"] == highlight].assign(label=lambda d: d["title"].map(_short))
        layers.append(alt.Chart(marked).mark_point(size=400, shape="diamond", filled=False,
                                                   strokeWidth=3, color="black")
                      .encode(x="pc1:Q", y="pc2:Q"))
        layers.append(alt.Chart(marked).mark_text(dx=12, align="left", fontWeight="bold",
                                                  fontSize=14)
                      .encode(x="pc1:Q", y="pc2:Q", text="label:N"))
    return alt.layer(*layers).properties(height=height)


def edit_chart(frame: pd.DataFrame, low: float, high: float, height: int) -> alt.Chart:
    """Predicted ratings before (grey tick) and after (bar) editing a user's factors."""
    data = frame.assign(movie=frame["movie"].map(lambda t: _short(t, 36)))
    bars = alt.Chart(data).mark_bar(color=charts.PALETTE[0]).encode(
        y=alt.Y("movie:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("after:Q", title="predicted rating",
                scale=alt.Scale(domain=[min(0.0, low), high])),
        tooltip=["movie:N", alt.Tooltip("before:Q", format=".2f"),
                 alt.Tooltip("after:Q", format=".2f")])
    before = alt.Chart(data).mark_tick(color="black", thickness=3, size=26).encode(
        y=alt.Y("movie:N", sort=None), x="before:Q")
    labels = alt.Chart(data).mark_text(align="left", dx=6, fontSize=14).encode(
        y=alt.Y("movie:N", sort=None), x="after:Q", text=alt.Text("after:Q", format=".2f"))
    return (bars + before + labels).properties(height=height)


def planted_chart(frame: pd.DataFrame, height: int) -> alt.Chart:
    """Planted taste (x) against the best linear read-out of the learned factors (y)."""
    return alt.Chart(frame).mark_circle(size=40, opacity=0.6).encode(
        x=alt.X("planted:Q", title="planted value"),
        y=alt.Y("recovered:Q", title="read off the learned factors"),
        color=alt.Color("taste:N", title=None),
        tooltip=["taste:N", alt.Tooltip("planted:Q", format=".2f"),
                 alt.Tooltip("recovered:Q", format=".2f")],
    ).properties(height=height)


def stages_chart(frame: pd.DataFrame, height: int) -> alt.Chart:
    """Validation RMSE of each stage as a bar, with the value written at its end."""
    data = frame[["model", "validation RMSE"]].rename(columns={"validation RMSE": "rmse"})
    data = data.assign(kind=np.where(data["model"] == "biases only", "baseline", "model"))
    low = max(0.0, float(data["rmse"].min()) - 0.15)
    bars = alt.Chart(data).mark_bar(clip=True).encode(
        y=alt.Y("model:N", sort=None, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("rmse:Q", title="validation RMSE (lower is better)", axis=alt.Axis(tickCount=6),
                scale=alt.Scale(domain=[low, float(data["rmse"].max()) + 0.05], zero=False)),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["model", "baseline"],
                                                  range=[charts.PALETTE[0], charts.PALETTE[3]]),
                        legend=None),
        tooltip=["model:N", alt.Tooltip("rmse:Q", format=".4f")])
    labels = alt.Chart(data).mark_text(align="left", dx=5,
                                       fontSize=round(14 * height / 220)).encode(
        y=alt.Y("model:N", sort=None), x="rmse:Q", text=alt.Text("rmse:Q", format=".3f"))
    return (bars + labels).properties(height=height)
