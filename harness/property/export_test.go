package property

// SetFlag is setFlag for the package's external tests.
var SetFlag = setFlag
