"""The demo park (演示园区): a realistic park to explore the platform, and the seed tests build on."""
