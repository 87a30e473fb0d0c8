"""Lambda glue: AppFlow events in, SDK responses out. No SQL, no boto3 here."""
