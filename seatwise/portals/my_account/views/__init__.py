"""My Account (``/my-account/``): every signed-in person's own profile, password and two-factor
sign-in, whatever their role. One module per flow."""
