"""Prefect flows: check, submit, reconcile and the inbox, and the deployments serve serves.

A served flow runs in Prefect's own process (`python -m prefect.engine`), which the command
line's logging set-up never reaches: portflow's INFO records (a file done, a request made)
would stop at the root logger's WARNING. They go to the run's logs in Prefect, as the CLI
lets them (PREFECT_LOGGING_EXTRA_LOGGERS=portflow attaches Prefect's handler).
"""

import logging

if logging.getLogger("portflow").level == logging.NOTSET:
    logging.getLogger("portflow").setLevel(logging.INFO)
