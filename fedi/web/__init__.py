"""Server-rendered pages: the shared layout, the signed session, sign-in and OAuth consent."""
