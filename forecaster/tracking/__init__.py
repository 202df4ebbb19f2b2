"""MLflow tracking: run logging, the pyfunc model, the registry. The only package that imports
mlflow, and only inside its modules (importing this package itself stays cheap)."""
