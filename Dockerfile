# One image for the web (gunicorn) and the worker (celery).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput -v0
RUN useradd --create-home cqdlab && mkdir -p /data/media && chown cqdlab /data/media
USER cqdlab
EXPOSE 8000
CMD ["gunicorn", "cqdlab.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
