# wijkopvolging on the official Airflow image: the project's pinned packages, LibreOffice
# for the PDF versions of the documents, and dags/plugins/include baked in (docker-compose
# mounts the working copies over them, so a change needs no rebuild).
#
#   docker compose build
#
# Why the lock with --no-deps: apache-airflow 3.3.2 is already in the image (with the
# providers and drivers the image ships, e.g. asyncpg for the metadata DB). requirements.lock
# is the production set (the test, lint and benchmark tools are in requirements-dev.lock and
# stay out of the image): it pins every package production runs with, hashes included, and
# pins apache-airflow to the image's own 3.3.2, so installing it without the resolver lays
# exactly the tested versions over the image and touches nothing else; `pip check` then
# fails the build if an image-only package cannot live with a locked version.
# `pip install -r requirements.txt` would let pip pick the transitive versions at build time
# (a different image every month), and `uv pip sync` would remove what the image needs and
# the lock does not list.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui fonts-dejavu-core fonts-liberation2 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

USER airflow
COPY --chown=airflow:root requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --no-deps --require-hashes -r /tmp/requirements.lock \
 && pip check \
 && rm /tmp/requirements.lock

ENV WIJKOPVOLGING_HOME=/opt/airflow \
    PYTHONPATH=/opt/airflow/plugins
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins
COPY --chown=airflow:root include /opt/airflow/include
# Mount points of the named volumes: a new volume takes this owner and mode (group root,
# writable by the group, so any AIRFLOW_UID in group 0 can write).
RUN mkdir -p /opt/airflow/gx /opt/airflow/output /opt/airflow/.data \
 && chmod 775 /opt/airflow/gx /opt/airflow/output /opt/airflow/.data
