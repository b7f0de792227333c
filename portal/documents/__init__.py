"""The portal's documents (Wagtail documents): who may download one, and how its bytes are sent."""
