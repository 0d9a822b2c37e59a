"""Data both SDK suites use: six people and the filters that select among them."""

# Six people, created in this order. The v2 and v01 suites query them with the same filters.
PEOPLE = [
    {"name": "bob", "age": 45, "email": "bob@example.com", "status": "inactive", "tags": ["go"],
     "department": "Sales", "role": "AE"},
    {"name": "alice", "age": 30, "email": "alice@example.com", "status": "active", "tags": ["python", "ml"],
     "department": "Sales", "role": "AE"},
    {"name": "carol", "age": 21, "email": "carol@example.com", "status": "active", "tags": ["ml"],
     "department": "Engineering", "role": "IC"},
    {"name": "dave", "age": 65, "email": "dave@example.com", "status": "active", "tags": [],
     "department": "Engineering", "role": "Manager"},
    {"name": "erin", "age": 17, "email": "erin@example.com", "status": "pending", "tags": ["python"],
     "department": "Sales", "role": "SE"},
    {"name": "frank", "age": 70, "email": "frank@example.com", "status": "inactive", "tags": ["rust"],
     "department": "Support", "role": "Lead"},
]

# Filters over PEOPLE and the names they select, for both SDK generations (the 0.1.x SDK has
# no "ne" or "excludes"). The last one is seed 001's search example.
SHARED_FILTER_CASES = {
    "eq": ({"status": {"eq": "active"}}, {"alice", "carol", "dave"}),
    "gt": ({"age": {"gt": 45}}, {"dave", "frank"}),
    "gte": ({"age": {"gte": 45}}, {"bob", "dave", "frank"}),
    "lt": ({"age": {"lt": 21}}, {"erin"}),
    "lte": ({"age": {"lte": 21}}, {"carol", "erin"}),
    "includes": ({"tags": {"includes": ["python", "ml"]}}, {"alice", "carol", "erin"}),
    "includes-nothing": ({"tags": {"includes": []}}, set()),
    "seed-001": (
        {"age": {"gte": 21, "lt": 65}, "status": {"eq": "active"}, "tags": {"includes": ["python", "ml"]},
         "created_at": {"gte": "2024-01-01T00:00:00Z"}},
        {"alice", "carol"},
    ),
}
