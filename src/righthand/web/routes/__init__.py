"""HTML pages of the spine: sign-in, Today, Ask, Approvals, Job description, Trust, Settings."""
