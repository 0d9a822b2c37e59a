"""The words synthesized values are made of, and that read values are recognised by."""

NAMES_FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Robin", "Jamie"]
NAMES_LAST = ["Smith", "Garcia", "Chen", "Miller", "Okafor", "Rossi", "Novak", "Silva"]
COMPANIES = ["Acme Corp", "Globex Ltd", "Initech", "Umbrella GmbH", "Stark Industries", "Wayne Enterprises"]
CITIES = ["Paris", "Berlin", "Lisbon", "Toronto", "Osaka", "Nairobi", "Austin"]
COUNTRIES = ["France", "Germany", "Portugal", "Canada", "Japan", "Kenya", "United States"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD"]
WORDS = ["alpha", "bravo", "delta", "harbor", "lumen", "orbit", "quartz", "river", "summit", "vertex", "cedar", "nova"]
