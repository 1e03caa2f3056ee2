"""Write-side functions of the collection app (services write, selectors read)."""
