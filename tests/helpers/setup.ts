// Tests never depend on the machine's timezone.
process.env.TZ = 'UTC';
