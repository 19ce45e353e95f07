"""The service's routes, one APIRouter per resource: responses, conversations, models (and /health)."""
