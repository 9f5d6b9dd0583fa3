"""Each collection's name in URLs and the record type its citations and conflicts use.

One table, read by the seed loader (to store) and the services (to show): the two
sides cannot drift apart.
"""

RECORD_TYPES: dict[str, str] = {
    "members": "member",
    "observers": "observer",
    "partner-organizations": "partner-organization",
    "councils": "council",
    "reform-areas": "reform-area",
    "chairmanships": "chairmanship",
    "meetings": "meeting",
    "cbm-dimensions": "cbm-dimension",
    "officials": "official",
    "organization": "organization",
}
COLLECTIONS: dict[str, str] = {record: collection for collection, record in RECORD_TYPES.items()}
CBM_AREA_RECORD_TYPE = "cbm-area"
CLAIM_RECORD_TYPE = "conflict-claim"
