# Origin: haizi-zh/Dhaulagiri@cc9490b306d04c5742924dd58f01fe213050d4c3 processors/images.py:17
from app import app


@app.task(serializer="json", name="processors.images.upload")
def image_upload_task(data):
    pass
