"""Services: executor, approvals, outbox dispatcher, ledger, audit, jobs."""
