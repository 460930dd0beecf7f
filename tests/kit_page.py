"""A tiny page that uses the page kit the way a concept page does (driven by test_ui)."""

import streamlit as st

from explorer import ui

ui.page_setup("Kit check", "A page to test the shared page kit.")
ui.preset_row([
    ui.Preset("too_small", "lr too small", {"lr": 0.001, "epochs": 5}, note="It crawls."),
    ui.Preset("too_big", "lr too big", {"lr": 2.5, "epochs": 30}, note="It overshoots."),
])
lr = st.slider("Learning rate", 0.001, 3.0, 0.1, key="lr", bind="query-params")
epochs = st.slider("Epochs", 1, 100, 10, key="epochs", bind="query-params")
st.markdown(f"lr={lr} epochs={epochs}")
if lr > 2:
    ui.diverged(step=7)
ui.next_concept("pixels_to_matrix")
