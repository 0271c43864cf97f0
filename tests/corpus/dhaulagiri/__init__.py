"""Origin: haizi-zh/Dhaulagiri@cc9490b306d04c5742924dd58f01fe213050d4c3 app.py, celery_config.py and
processors/images.py:17 (the task declaration and its call site, :150). `src` is the project's root. Old
setting names in a config module; three queues on one direct exchange; a route naming only an exchange and a
routing key."""
