"""Logic of the deep learning concept explorer: small pure functions, one module per concept.

Nothing here imports streamlit (except explorer.ui) or torch at import time.
"""
