"""The platform's AWS CDK app (DESIGN section 9): `python -m infra.app` or `npx aws-cdk@2 synth`."""
