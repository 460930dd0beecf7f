# The app as the README's `make run` builds it, for a server: slim Python 3.11, the pinned
# dependencies from requirements.txt (torch 2.13.0, CPU build), a non-root user, a health
# check on Streamlit's own endpoint, production settings.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 explorer
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=explorer:explorer app.py serve.py ./
COPY --chown=explorer:explorer pages/ pages/
COPY --chown=explorer:explorer explorer/ explorer/
COPY --chown=explorer:explorer .streamlit/ .streamlit/

USER explorer
EXPOSE 8501
# Written when serve.py's warm-up has finished: Kubernetes' readiness probe waits for it
# (deploy/k8s/deployment.yaml), so no visitor meets a replica still training its defaults.
ENV EXPLORER_WARM_FILE=/tmp/explorer-warm

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"

# serve.py: the same app, warming every page as the server starts.
CMD ["streamlit", "run", "serve.py", \
     "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", \
     "--server.fileWatcherType=none", "--server.runOnSave=false", \
     "--browser.gatherUsageStats=false", "--client.showErrorDetails=type"]
