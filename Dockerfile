# sp-sim in a container: `sp-sim serve` on 0.0.0.0:8080 as a non-root user.
# compose.yaml runs two of these on one Redis behind haproxy (deploy/haproxy.cfg).
# Every serve option is also an SP_SIM_* variable (SP_SIM_STORE, SP_SIM_CSRF_SECRET, ...).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# lxml and xmlsec come as manylinux wheels with their libraries: no compiler, no apt
COPY pyproject.toml README.md ./
COPY sp_sim ./sp_sim
RUN pip install . \
    && groupadd --system --gid 10001 sp-sim \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/sp-sim --create-home sp-sim

# the numeric id (sp-sim:sp-sim), so that runtimes can tell it is not root
USER 10001:10001
WORKDIR /home/sp-sim

ENV SP_SIM_HOST=0.0.0.0 \
    SP_SIM_PORT=8080
EXPOSE 8080

# /healthz is 200 when the server answers and its store (Redis) is reachable, else 503
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:' + os.environ.get('SP_SIM_PORT', '8080') + '/healthz'; sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]

ENTRYPOINT ["sp-sim"]
CMD ["serve"]
