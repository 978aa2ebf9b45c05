"""The CRM's entities, each declared once (`<entity>.py`), and what is derived from a declaration:
routes (`routes.py`), request and response models (`shapes.py`), the generic service (`service.py`)
and the route handlers (`endpoints.py`). docs/architecture.md, "Entities", explains the mechanism."""
