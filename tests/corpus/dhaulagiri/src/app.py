# Origin: haizi-zh/Dhaulagiri@cc9490b306d04c5742924dd58f01fe213050d4c3 app.py (its broker read from a YAML
# file: Celery's default here)
import celery_config
from celery import Celery

__author__ = "zephyre"

app = Celery("Dhaulagiri")

app.config_from_object(celery_config)
app.conf.imports = ("processors.images",)  # the project imports its processors itself (dhaulagiri.py)
