"""The job roles content may be written for. The demo data and the database use the same list."""

JOB_ROLES: dict[str, str] = {
    "receptionist": "Receptionist",
    "admin-staff": "Admin staff",
    "nurse": "Nurse",
    "doctor": "Doctor",
    "healthcare-assistant": "Healthcare assistant",
    "porter": "Porter",
    "cleaner": "Cleaner",
}
