"""The page's routes, one APIRouter per part: the page itself (`page`) and its conversations (`conversations`)."""
