"""The reference page for bench/interaction.py: the page kit and nothing else."""

from explorer import ui

ui.page_setup("Empty reference page")
