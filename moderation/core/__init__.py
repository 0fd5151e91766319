"""What every area builds on: the database, domain exceptions, text rules, pagination."""
