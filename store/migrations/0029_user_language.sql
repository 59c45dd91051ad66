-- fleetcharge schema, version 29: each user's language (issue 22,
-- docs/LANGUAGES.md), so that what is mailed without a request (e-mail
-- alerts and digests, the notice of a disabled webhook, a password reset)
-- reaches the user in the language it chose on the pages: en, nl, de or
-- fr; empty until it chooses one (English).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
