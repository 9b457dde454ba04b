"""The learner's work: workspace files and their history, what a learner does on a step, progress, watch mode."""
